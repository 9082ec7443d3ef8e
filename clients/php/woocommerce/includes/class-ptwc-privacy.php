<?php

/**
 * WordPress's privacy tools. The adapter stores no personal data: its options hold the
 * merchant's settings (API key, merchant id, endpoint, consent), an installation id, the
 * last verified signed payload, counts and error codes; events carry no customer, order,
 * user or IP data. So there is nothing for a personal data exporter or eraser to find,
 * and none is registered (woocommerce-gateway-stripe registers them because it keeps
 * customer and source ids). What is sent is described for the site's privacy policy.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * The privacy policy text.
 */
final class PTWC_Privacy
{
    public static function register(): void
    {
        add_action('admin_init', array(__CLASS__, 'add_policy_content'));
    }

    public static function add_policy_content(): void
    {
        if (!function_exists('wp_add_privacy_policy_content')) {
            return;
        }
        wp_add_privacy_policy_content(
            __('Plugin Telemetry for WooCommerce', 'plugin-telemetry-woocommerce'),
            wp_kses_post(wpautop(__('When the shop owner has opted in, this site sends the payment platform technical health reports: the site\'s host name, the WordPress, WooCommerce, PHP and plugin versions, hourly counts of payments and payment errors, and error codes. No information about visitors or customers (names, e-mail or IP addresses, orders) is sent or stored by this plugin.', 'plugin-telemetry-woocommerce')))
        );
    }
}
