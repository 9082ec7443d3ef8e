<?php

/**
 * Plugin Name:          Plugin Telemetry for WooCommerce
 * Description:          Health reports and signed operations switches (payments kill switch, debug logging, mandatory updates, notices) for the payment platform's WooCommerce gateway. Sends nothing until the merchant opts in.
 * Version:              0.1.0
 * Requires at least:    5.8
 * Requires PHP:         7.4
 * Author:               Plugin telemetry maintainers
 * License:              Apache-2.0
 * License URI:          https://www.apache.org/licenses/LICENSE-2.0
 * Text Domain:          plugin-telemetry-woocommerce
 * WC requires at least: 7.1
 * WC tested up to:      8.5
 *
 * The WooCommerce adapter of the PHP core (clients/php/core): it only wires WordPress and
 * WooCommerce hooks, settings and storage to PluginTelemetry\Core\TelemetryClient.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

define('PTWC_VERSION', '0.1.0');
define('PTWC_PLUGIN_FILE', __FILE__);

require_once __DIR__ . '/includes/class-ptwc-plugin.php';

register_activation_hook(__FILE__, array('PTWC_Plugin', 'activate'));
register_deactivation_hook(__FILE__, array('PTWC_Plugin', 'deactivate'));

PTWC_Plugin::boot();
