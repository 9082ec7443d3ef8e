<?php

/**
 * The conformance driver of the PrestaShop adapter: the core's own Driver
 * (clients/php/conformance/src/Driver.php, JSON lines on stdin/stdout) with the module's
 * StateStore (src/ModuleStateStore.php, the module's var/ folder) in place of the
 * runner's state file, inside the PrestaShop shim (tests/shim/: PrestaShop's documented
 * API, not PrestaShop). Started by clients/node/test/conformance-prestashop.test.ts as
 *
 *     php clients/php/prestashop/tests/conformance-driver.php
 *
 * one process per client: a `restart` step is a new process (a new PHP request) on the
 * same store. Each client gets a shim shop of its own next to the runner's state file
 * (`<scenario dir>/prestashop/`), with the module installed from the release folder
 * (build/ModulePackage.php), and the store is the one that module instance builds
 * (`$module->stateStore()`): `<scenario dir>/prestashop/modules/plugintelemetry/var/state.json`.
 * How the store replaces the state file (the Driver's `$configure` hook), and how the
 * runner's `state_exists` sees it: clients/php/testing/AdapterDriver.php.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

use PluginTelemetry\PrestaShop\Build\ModulePackage;
use PluginTelemetry\Testing\AdapterDriver;

$ptClients = dirname(__DIR__, 3); // clients/
// The Driver needs the core before the first command; it is the code the module bundles.
require $ptClients . '/php/core/autoload.php';
require $ptClients . '/php/conformance/src/RecordingTransport.php';
require $ptClients . '/php/conformance/src/CollectingLogger.php';
require $ptClients . '/php/conformance/src/Driver.php';
require $ptClients . '/php/testing/AdapterDriver.php';
require $ptClients . '/php/testing/MarkedStateStore.php';
require dirname(__DIR__) . '/build/ModulePackage.php';
unset($ptClients);

exit(AdapterDriver::run(static function (string $statePath): PluginTelemetry\Core\StateStore {
    $shop = dirname($statePath) . '/prestashop';
    if (defined('_PS_MODULE_DIR_')) {
        if (_PS_ROOT_DIR_ !== $shop) {
            throw new LogicException('one shim shop per driver process');
        }
    } else {
        if (!is_file($shop . '/modules/plugintelemetry/plugintelemetry.php')) {
            (new ModulePackage())->stage($shop . '/modules'); // a restart keeps the shop as it is
        }
        putenv('PT_PRESTASHOP_SHIM_ROOT=' . $shop);
        require __DIR__ . '/shim/bootstrap.php';
    }
    $module = Module::getInstanceByName('plugintelemetry');
    if (!$module instanceof PluginTelemetry) {
        throw new LogicException('the module did not load in the shim shop');
    }
    return $module->stateStore();
}));
