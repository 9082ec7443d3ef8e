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
 * (a new PHP request) on the same option.
 *
 * How the store gets in without changing the core's Driver: the Driver builds its
 * TelemetryClient from the runner's options, which name a state file (`statePath`). The
 * Driver writes every reply through the stream it was given; that stream is this file's
 * wrapper, which, the moment the Driver has a new client and before the reply to
 * create_client leaves (so before any other command), replaces the client's store with
 * the option store for an option named after that state file. Nothing has read or
 * written the state by then (TelemetryClient reads it lazily). The runner's
 * `state_exists` looks at the state file: the marked store keeps a marker file there
 * exactly while the option exists (checked after every write and after clear()), so the
 * expectation is about the option. (The core change that would make this plain: a
 * store factory argument to Driver's constructor; see docs/clients/woocommerce.md.)
 *
 * @package PTWC
 */

defined('ABSPATH') || exit(2); // run through dev/wordpress php

$ptwc_clients = dirname(__DIR__, 3); // clients/
require_once $ptwc_clients . '/php/core/autoload.php';
require_once $ptwc_clients . '/php/conformance/src/RecordingTransport.php';
require_once $ptwc_clients . '/php/conformance/src/CollectingLogger.php';
require_once $ptwc_clients . '/php/conformance/src/Driver.php';
// The repository's copy, unless the site runs the plugin (then its build's copy, the same code).
if (!class_exists('PTWC_Option_State_Store')) {
    require_once dirname(__DIR__) . '/includes/class-ptwc-option-state-store.php';
}

/**
 * The adapter's store, with the state file as a marker of the option's existence.
 */
final class PTWC_Conformance_Marked_Store implements PluginTelemetry\Core\StateStore
{
    /** @var PTWC_Option_State_Store */
    private $inner;
    /** @var string */
    private $marker;

    public function __construct(PTWC_Option_State_Store $inner, string $marker)
    {
        $this->inner = $inner;
        $this->marker = $marker;
    }

    public function load(): ?array
    {
        return $this->inner->load();
    }

    public function update(callable $change): void
    {
        $this->inner->update($change);
        $this->mark();
    }

    public function clear(): void
    {
        $this->inner->clear();
        $this->mark();
    }

    private function mark(): void
    {
        if ($this->inner->load() !== null) {
            touch($this->marker);
        } elseif (is_file($this->marker)) {
            unlink($this->marker);
        }
    }
}

/**
 * The Driver's output stream: passes every line to stdout, and swaps a new client's store
 * before its first line goes out.
 */
final class PTWC_Conformance_Output
{
    /** @var resource|null */
    public $context;

    /** @var callable|null */
    public static $before_write = null;

    public function stream_open($path, $mode, $options, &$opened_path)
    {
        return true;
    }

    public function stream_write($data)
    {
        if (self::$before_write !== null) {
            call_user_func(self::$before_write);
        }
        fwrite(STDOUT, $data);
        return strlen($data);
    }

    public function stream_flush()
    {
        return fflush(STDOUT);
    }

    public function stream_close()
    {
    }

    public function stream_eof()
    {
        return false;
    }
}

error_reporting(E_ALL);
ini_set('display_errors', 'stderr'); // stdout carries the protocol only

stream_wrapper_register('ptwc-conformance', 'PTWC_Conformance_Output');
$ptwc_out = fopen('ptwc-conformance://stdout', 'w');
$ptwc_driver = new PluginTelemetry\Conformance\Driver(STDIN, $ptwc_out);

$ptwc_client_property = new ReflectionProperty(PluginTelemetry\Conformance\Driver::class, 'client');
$ptwc_client_property->setAccessible(true);
$ptwc_options_property = new ReflectionProperty(PluginTelemetry\Core\TelemetryClient::class, 'o');
$ptwc_options_property->setAccessible(true);
$ptwc_swapped = null;

PTWC_Conformance_Output::$before_write = static function () use (
    $ptwc_driver,
    $ptwc_client_property,
    $ptwc_options_property,
    &$ptwc_swapped
): void {
    $client = $ptwc_client_property->getValue($ptwc_driver);
    if ($client === null || $client === $ptwc_swapped) {
        return;
    }
    $ptwc_swapped = $client;
    $options = $ptwc_options_property->getValue($client);
    if (!$options->store instanceof PluginTelemetry\Core\FileStateStore) {
        throw new LogicException('the runner gave no state file to map to an option');
    }
    $path = $options->store->path();
    $option = 'ptwc_conformance_' . substr(sha1($path), 0, 24);
    $options->store = new PTWC_Conformance_Marked_Store(new PTWC_Option_State_Store($option), $path);
};

exit($ptwc_driver->run());
