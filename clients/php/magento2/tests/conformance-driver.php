<?php

/**
 * The conformance driver of the Magento 2 adapter: the core's own Driver
 * (clients/php/conformance/src/Driver.php, JSON lines on stdin/stdout) with the
 * module's StateStore (PluginTelemetry/Model/StateStore.php: a row of the `flag` table
 * under a named lock) in place of the runner's state file, inside the Magento shim
 * (tests/shim/: Magento's documented API, not Magento). Started by
 * clients/node/test/conformance-magento.test.ts as
 *
 *     php clients/php/magento2/tests/conformance-driver.php
 *
 * one process per client: a `restart` step is a new process (a new PHP request) on the
 * same store. Each client gets a store of its own next to the runner's state file
 * (`<scenario dir>/magento/`: its var/ holds the shim's flag table and the file lock
 * provider's locks), and the store is the one the object manager builds for the module
 * (FlagManager and LockManagerInterface injected, as in Magento). How the store replaces
 * the state file (the Driver's `$configure` hook), and how the runner's `state_exists`
 * sees it: clients/php/testing/AdapterDriver.php (shared by the three adapters).
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

use PluginTelemetry\Magento\Tests\Shim\Shop;
use PluginTelemetry\Telemetry\Model\StateStore;
use PluginTelemetry\Testing\AdapterDriver;

$ptClients = dirname(__DIR__, 3); // clients/
require $ptClients . '/php/core/autoload.php'; // as Composer installs plugin-telemetry/core
require $ptClients . '/php/conformance/src/RecordingTransport.php';
require $ptClients . '/php/conformance/src/CollectingLogger.php';
require $ptClients . '/php/conformance/src/Driver.php';
require $ptClients . '/php/testing/AdapterDriver.php';
require $ptClients . '/php/testing/MarkedStateStore.php';
require __DIR__ . '/shim/bootstrap.php';
spl_autoload_register(static function (string $class): void {
    $prefix = 'PluginTelemetry\\Telemetry\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $relative = str_replace('\\', '/', substr($class, strlen($prefix)));
        $file = dirname(__DIR__) . '/PluginTelemetry/' . $relative . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
require dirname(__DIR__) . '/PluginTelemetry/registration.php';
unset($ptClients);

exit(AdapterDriver::run(static function (string $statePath): PluginTelemetry\Core\StateStore {
    $root = dirname($statePath) . '/magento';
    if (!is_dir($root . '/var') && !mkdir($root . '/var', 0700, true) && !is_dir($root . '/var')) {
        throw new RuntimeException("cannot create {$root}/var");
    }
    return Shop::boot($root, 'global')->get(StateStore::class);
}));
