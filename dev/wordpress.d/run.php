<?php
/**
 * `dev/wordpress php [--user LOGIN] FILE|- [ARGS...]`: runs FILE (or PHP read from stdin)
 * inside the test shop, at global scope, after wp-load.php and
 * wp-admin/includes/plugin.php (activate_plugin(), deactivate_plugins()). $argv is
 * [FILE, ARGS...]. With --user the code runs as that user (wp_set_current_user), else as
 * a visitor. PHP errors go to stderr as well as to WP_DEBUG_LOG; the exit status is the
 * file's own (exit(n)); 1 on wp_die() and on a fatal error
 * (WordPress's fatal error handler ends in wp_die()).
 */
require __DIR__ . '/cli-request.php';
require getenv('WP_SITE_DIR') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

if (getenv('WP_RUN_AS') !== false && getenv('WP_RUN_AS') !== '') {
    $pt_user = get_user_by('login', getenv('WP_RUN_AS'));
    if (!$pt_user) {
        fwrite(STDERR, 'no such user: ' . getenv('WP_RUN_AS') . "\n");
        exit(1);
    }
    wp_set_current_user($pt_user->ID);
    unset($pt_user);
}
ini_set('display_errors', 'stderr');

array_shift($argv);
$argc = count($argv);
if ($argv[0] === '-') {
    $pt_code = stream_get_contents(STDIN);
    eval(preg_match('/^\s*<\?php/', $pt_code) ? '?>' . $pt_code : $pt_code);
} else {
    require $argv[0];
}
