<?php

/**
 * Runs when the plugin is deleted from the Plugins screen (WordPress defines
 * WP_UNINSTALL_PLUGIN; the plugin itself is not loaded): sends `uninstalled` when the
 * merchant consented, then removes every option of the plugin (PTWC_Uninstaller).
 *
 * @package PTWC
 */

defined('WP_UNINSTALL_PLUGIN') || exit;

if (!defined('PTWC_VERSION')) {
    define('PTWC_VERSION', get_file_data(__DIR__ . '/plugin-telemetry-woocommerce.php', array('Version' => 'Version'))['Version']);
}
if (!defined('PTWC_PLUGIN_FILE')) {
    define('PTWC_PLUGIN_FILE', __DIR__ . '/plugin-telemetry-woocommerce.php');
}

require_once __DIR__ . '/includes/class-ptwc-plugin.php';

if (PTWC_Plugin::load_dependencies()) {
    PTWC_Uninstaller::run();
} else {
    // Without the core nothing can be sent; the options still go.
    global $wpdb;
    // phpcs:ignore WordPress.DB.DirectDatabaseQuery -- every ptwc_ option, by prefix
    foreach ((array) $wpdb->get_col($wpdb->prepare("SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like('ptwc_') . '%')) as $ptwc_option) {
        delete_option($ptwc_option);
    }
    wp_clear_scheduled_hook('ptwc_refresh');
}
