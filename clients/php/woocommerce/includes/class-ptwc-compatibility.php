<?php

/**
 * Declares compatibility with WooCommerce's High-Performance Order Storage: the adapter
 * reads orders only through wc_get_order() and WC_Order getters, never as posts.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * WooCommerce feature declarations.
 */
final class PTWC_Compatibility
{
    public static function register(): void
    {
        add_action('before_woocommerce_init', array(__CLASS__, 'declare_compatibility'));
    }

    /** Runs on before_woocommerce_init, the only moment WooCommerce accepts it. */
    public static function declare_compatibility(): void
    {
        if (class_exists('\\Automattic\\WooCommerce\\Utilities\\FeaturesUtil')) {
            \Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility('custom_order_tables', PTWC_PLUGIN_FILE, true);
        }
    }
}
