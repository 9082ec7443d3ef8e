<?php
/**
 * Plugin Name: Molam Form for WooCommerce
 * Description: Accept Molam payments. Sends hourly telemetry and applies signed ops toggles.
 * Version: 1.3.5
 * Requires PHP: 7.4
 *
 * @package Molam_Form
 */

if (!defined('ABSPATH')) {
    exit;
}

require_once __DIR__ . '/includes/class-molam-heartbeat.php';

function molam_heartbeat() {
    static $heartbeat = null;
    if ($heartbeat === null) {
        $heartbeat = new Molam_Heartbeat();
    }
    return $heartbeat;
}

register_activation_hook(__FILE__, function () {
    Molam_Heartbeat::installation_id();
    molam_heartbeat()->queue_event(array('type' => 'activation'));
});

register_deactivation_hook(__FILE__, function () {
    molam_heartbeat()->queue_event(array('type' => 'deactivation'));
    molam_heartbeat()->send_events();
    wp_clear_scheduled_hook(Molam_Heartbeat::CRON_HOOK);
});

add_action('plugins_loaded', 'molam_heartbeat');

// block_plugin: the gateway disappears from checkout (orders go elsewhere, nothing breaks).
add_filter('woocommerce_available_payment_gateways', function ($gateways) {
    if (molam_heartbeat()->is_blocked()) {
        unset($gateways['molam']);
    }
    return $gateways;
});

// Admin notices: blocked, mandatory update (with the package link).
add_action('admin_notices', function () {
    $heartbeat = molam_heartbeat();
    if ($heartbeat->is_blocked()) {
        echo '<div class="notice notice-error"><p>' . esc_html__('Molam payments are temporarily disabled by Molam operations. Contact support.', 'molam-form') . '</p></div>';
    }
    $upgrade = get_option('molam_upgrade');
    if ($heartbeat->must_update() || (is_array($upgrade) && !empty($upgrade['required']))) {
        $version = is_array($upgrade) ? $upgrade['latest_version'] : '';
        $url = is_array($upgrade) && !empty($upgrade['package_url']) ? $upgrade['package_url'] : '';
        echo '<div class="notice notice-warning"><p>' . esc_html(sprintf(__('A mandatory Molam Form update (%s) is available.', 'molam-form'), $version))
            . ($url ? ' <a href="' . esc_url($url) . '">' . esc_html__('Download', 'molam-form') . '</a>' : '') . '</p></div>';
    }
});
