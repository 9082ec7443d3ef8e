<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

use PluginTelemetry\Conformance\Driver;
use PluginTelemetry\Core\StateStore;

/**
 * Runs the core's conformance Driver (clients/php/conformance/src/Driver.php, JSON lines
 * on stdin/stdout) with an adapter's StateStore in place of the state file the runner
 * names: through the Driver's `$configure` hook, each client's options get
 * `store => MarkedStateStore($storeFor($statePath), $statePath)` before the client is
 * built. The runner's `state_exists` looks at the state file: MarkedStateStore keeps a
 * marker file there exactly while the adapter's store holds a state. Shared by the
 * WooCommerce, PrestaShop and Magento drivers (clients/php/<adapter>/tests/conformance-driver.php).
 */
final class AdapterDriver
{
    /** @param callable(string): StateStore $storeFor the adapter's store for a state file's client */
    public static function run(callable $storeFor): int
    {
        error_reporting(E_ALL);
        ini_set('display_errors', 'stderr'); // stdout carries the protocol only

        $driver = new Driver(STDIN, STDOUT, static function (array $options) use ($storeFor): array {
            $path = $options['statePath'] ?? null;
            if (!is_string($path) || $path === '') {
                throw new \LogicException('the runner gave no state file to map to the adapter\'s store');
            }
            unset($options['statePath']);
            $options['store'] = new MarkedStateStore($storeFor($path), $path);
            return $options;
        });
        return $driver->run();
    }
}
