<?php

/**
 * The conformance driver of the WooCommerce adapter: the core's own Driver
 * (clients/php/conformance/src/Driver.php, JSON lines on stdin/stdout) running inside the
 * real WordPress with the adapter's StateStore, PTWC_Option_State_Store, in place of the
 * state file. Started by clients/node/test/conformance-woocommerce.test.ts as
 *
 *     dev/wordpress php clients/php/woocommerce/tests/conformance-driver.php
 *
 * one process per client, as the core's driver is: a `restart` step is a new process
 * (a new PHP request) on the same option, one option per state file the runner names.
 * How the store replaces the state file (the Driver's `$configure` hook), and how the
 * runner's `state_exists` sees the option: clients/php/testing/AdapterDriver.php.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit(2); // run through dev/wordpress php

$ptwc_clients = dirname(__DIR__, 3); // clients/
require_once $ptwc_clients . '/php/core/autoload.php';
require_once $ptwc_clients . '/php/conformance/src/RecordingTransport.php';
require_once $ptwc_clients . '/php/conformance/src/CollectingLogger.php';
require_once $ptwc_clients . '/php/conformance/src/Driver.php';
require_once $ptwc_clients . '/php/testing/AdapterDriver.php';
require_once $ptwc_clients . '/php/testing/MarkedStateStore.php';
// The repository's copy, unless the site runs the plugin (then its build's copy, the same code).
if (!class_exists('PTWC_Option_State_Store')) {
    require_once dirname(__DIR__) . '/includes/class-ptwc-option-state-store.php';
}

exit(PluginTelemetry\Testing\AdapterDriver::run(static function (string $state_path): PTWC_Option_State_Store {
    return new PTWC_Option_State_Store('ptwc_conformance_' . substr(sha1($state_path), 0, 24));
}));
