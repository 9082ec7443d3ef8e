<?php

/**
 * The settings tab's fields, declared once (as woocommerce-gateway-stripe declares its
 * gateway's in includes/admin/stripe-settings.php): PTWC_Settings sanitises by `type`,
 * PTWC_Admin_Settings renders by `type`. Every value lives in one non-autoloaded option.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

return array(
    'consent' => array(
        'type' => 'checkbox',
        'title' => __('Share telemetry', 'plugin-telemetry-woocommerce'),
        'label' => __('Send anonymous health reports to the payment platform and receive its operations switches', 'plugin-telemetry-woocommerce'),
        'description' => __('Off until you tick it: nothing at all is sent before. Sent: this site\'s host name, the WordPress, WooCommerce, PHP and plugin versions, counts of payments and payment errors per hour, error codes, and acknowledgements of notices. Never sent: customer, order or account data, IP addresses.', 'plugin-telemetry-woocommerce'),
        'default' => false,
    ),
    'api_key' => array(
        'type' => 'password',
        'title' => __('API key', 'plugin-telemetry-woocommerce'),
        'description' => __('The key of your merchant account (Ops console). Leave blank to keep the saved one.', 'plugin-telemetry-woocommerce'),
        'default' => '',
    ),
    'merchant_id' => array(
        'type' => 'uuid',
        'title' => __('Merchant id', 'plugin-telemetry-woocommerce'),
        'description' => __('Optional: your merchant id. When set, switches signed for any other merchant are refused.', 'plugin-telemetry-woocommerce'),
        'default' => '',
    ),
    'endpoint' => array(
        'type' => 'url',
        'title' => __('Endpoint', 'plugin-telemetry-woocommerce'),
        'description' => __('The telemetry service. Change it only when support asks you to.', 'plugin-telemetry-woocommerce'),
        'default' => PTWC_Release::default_endpoint(),
    ),
);
