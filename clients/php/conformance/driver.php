<?php

/**
 * The conformance driver's entry point: `php clients/php/conformance/driver.php`,
 * spoken to in JSON lines (see src/Driver.php). Started by the TypeScript runner
 * (clients/node/harness/php-client.ts), one process per client: a `restart` step is a
 * new process on the same state file, as a PHP request after another would be.
 */

declare(strict_types=1);

require __DIR__ . '/../core/autoload.php';
require __DIR__ . '/src/RecordingTransport.php';
require __DIR__ . '/src/CollectingLogger.php';
require __DIR__ . '/src/Driver.php';

error_reporting(E_ALL);
ini_set('display_errors', 'stderr'); // stdout carries the protocol only

exit((new PluginTelemetry\Conformance\Driver(STDIN, STDOUT))->run());
