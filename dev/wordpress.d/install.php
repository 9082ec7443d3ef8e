<?php
/**
 * `dev/wordpress up` runs this once per Debian core version: installs the site
 * (wp_install(), as wp-admin/install.php would), sets pretty permalinks, upgrades the
 * schema after a newer core, and makes sure the admin exists with the password of the
 * state folder's admin-password file.
 *
 *   php install.php LOGIN EMAIL PASSWORD_FILE TITLE
 */
[, $login, $email, $password_file, $title] = $argv;
define('WP_INSTALLING', true);
require __DIR__ . '/cli-request.php';
require getenv('WP_SITE_DIR') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$password = trim((string) file_get_contents($password_file));
if ($password === '') {
    fwrite(STDERR, "$password_file is empty\n");
    exit(1);
}
add_filter('pre_wp_mail', '__return_false'); // no "your new site" e-mail

if (!is_blog_installed()) {
    $result = wp_install($title, $login, $email, false, '', $password);
    if (is_wp_error($result)) {
        fwrite(STDERR, 'wp_install: ' . $result->get_error_message() . "\n");
        exit(1);
    }
    update_option('permalink_structure', '/%postname%/');
    flush_rewrite_rules(false);
    fwrite(STDERR, "[wordpress] installed WordPress {$GLOBALS['wp_version']} at " . home_url('/') . "\n");
} elseif ((int) get_option('db_version') !== (int) $GLOBALS['wp_db_version']) {
    wp_upgrade();
    fwrite(STDERR, "[wordpress] database upgraded to WordPress {$GLOBALS['wp_version']}\n");
}

$user = get_user_by('login', $login);
if (!$user) {
    $id = wp_create_user($login, $password, $email);
    if (is_wp_error($id)) {
        fwrite(STDERR, 'wp_create_user: ' . $id->get_error_message() . "\n");
        exit(1);
    }
    $user = get_user_by('id', $id);
    $user->set_role('administrator');
} elseif (!wp_check_password($password, $user->user_pass, $user->ID)) {
    wp_set_password($password, $user->ID);
}
if (!user_can($user, 'manage_options')) {
    $user->set_role('administrator');
}
