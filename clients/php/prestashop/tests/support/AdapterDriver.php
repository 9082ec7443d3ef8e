<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

use PluginTelemetry\Conformance\Driver;
use PluginTelemetry\Core\FileStateStore;
use PluginTelemetry\Core\StateStore;
use PluginTelemetry\Core\TelemetryClient;

/**
 * Runs the core's conformance Driver (clients/php/conformance/src/Driver.php, JSON lines
 * on stdin/stdout, unchanged) with an adapter's StateStore in place of the state file
 * the runner names. Shared by the PrestaShop and Magento drivers
 * (clients/php/{prestashop,magento2}/tests/conformance-driver.php).
 *
 * How the store gets in without changing the Driver (the technique of the WooCommerce
 * adapter's driver): the Driver builds its TelemetryClient from the runner's options,
 * which name a state file (`statePath`), and writes every reply through the stream it
 * was given. That stream is AdapterDriverOutput, which, the moment the Driver holds a
 * new client and before the reply to `create_client` leaves (so before any other
 * command), replaces the client's store with `$storeFor($statePath)`. Nothing has read
 * or written the state by then: TelemetryClient reads it lazily. The runner's
 * `state_exists` looks at the state file: MarkedStateStore keeps a marker file there
 * exactly while the adapter's store holds a state.
 *
 * The core change that would make this plain, and remove the reflection below: an
 * optional third argument to Driver's constructor, `?callable $configure = null`
 * (`function (array $options): array`), applied in createClient() to the options just
 * before `new TelemetryClient($options)`.
 */
final class AdapterDriver
{
    /** @param callable(string): StateStore $storeFor the adapter's store for a state file's client */
    public static function run(callable $storeFor): int
    {
        error_reporting(E_ALL);
        ini_set('display_errors', 'stderr'); // stdout carries the protocol only

        if (!in_array(AdapterDriverOutput::SCHEME, stream_get_wrappers(), true)) {
            stream_wrapper_register(AdapterDriverOutput::SCHEME, AdapterDriverOutput::class);
        }
        $out = fopen(AdapterDriverOutput::SCHEME . '://stdout', 'w');
        if ($out === false) {
            throw new \RuntimeException('the driver output stream did not open');
        }
        $driver = new Driver(STDIN, $out);

        $clientProperty = new \ReflectionProperty(Driver::class, 'client');
        $clientProperty->setAccessible(true);
        $optionsProperty = new \ReflectionProperty(TelemetryClient::class, 'o');
        $optionsProperty->setAccessible(true);
        $swapped = null;

        AdapterDriverOutput::$beforeWrite = static function () use (
            $driver,
            $clientProperty,
            $optionsProperty,
            $storeFor,
            &$swapped
        ): void {
            $client = $clientProperty->getValue($driver);
            if ($client === null || $client === $swapped) {
                return;
            }
            $swapped = $client;
            $options = $optionsProperty->getValue($client);
            if (!$options->store instanceof FileStateStore) {
                throw new \LogicException('the runner gave no state file to map to the adapter\'s store');
            }
            $path = $options->store->path();
            $options->store = new MarkedStateStore($storeFor($path), $path);
        };

        return $driver->run();
    }
}
