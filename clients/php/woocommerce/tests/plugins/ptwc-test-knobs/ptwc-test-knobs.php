<?php

/**
 * Plugin Name: Plugin Telemetry test knobs
 * Description: ONLY FOR TESTS (clients/php/woocommerce/tests). Shortens the adapter's poll interval and backoff through its documented `ptwc_client_options` filter, from the options pttest_poll_interval_ms and pttest_backoff_max_ms, so that a test sees a kill switch within seconds instead of the server's 300 s.
 * Version: 1.0.0
 *
 * @package PTWCTest
 */

defined('ABSPATH') || exit;

add_filter('ptwc_client_options', function ($options) {
    $poll = (int) get_option('pttest_poll_interval_ms', 0);
    if ($poll > 0) {
        $options['pollIntervalMs'] = $poll;
    }
    $backoff = (int) get_option('pttest_backoff_max_ms', 0);
    if ($backoff > 0) {
        $options['backoffBaseMs'] = min(1000, $backoff);
        $options['backoffMaxMs'] = $backoff;
    }
    return $options;
});
