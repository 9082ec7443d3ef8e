<?php

declare(strict_types=1);

namespace PluginTelemetry\Conformance;

use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Core\CurlTransport;
use PluginTelemetry\Core\Ed25519;
use PluginTelemetry\Core\StreamTransport;
use PluginTelemetry\Core\TelemetryClient;
use PluginTelemetry\Core\Transport;

/**
 * The PHP core behind the conformance runner (clients/node/harness/php-client.ts): one
 * JSON object per line on stdin (a command), one per line on stdout (its reply, and
 * reports of requests and warnings as they happen).
 *
 * `start` runs what a shop runs in production: `refreshIfDue()` whenever
 * `nextRefreshAt()` has come (as a system cron or the after-response hook would), in
 * between commands. Everything a command does happens before its reply, so the runner
 * never sees a reply before the requests that led to it. An unknown command or method
 * is an error reply, which fails the scenario: nothing is skipped.
 */
final class Driver
{
    /** How often the loop checks whether a refresh is due while waiting for a command. */
    private const TICK_MS = 20;

    /** @var resource */
    private $in;
    /** @var resource */
    private $out;
    private ?TelemetryClient $client = null;
    private ?RecordingTransport $transport = null;
    private bool $running = false;
    private int $clockOffsetMs = 0;
    /** @var (callable(array<string, mixed>): array<string, mixed>)|null */
    private $configure;

    /**
     * @param resource $in
     * @param resource $out
     * @param (callable(array<string, mixed>): array<string, mixed>)|null $configure the client's
     *        options as the runner and this driver made them, changed by an adapter's driver just
     *        before each client is built (e.g. its own StateStore as `store` for the runner's `statePath`)
     */
    public function __construct($in, $out, ?callable $configure = null)
    {
        $this->in = $in;
        $this->out = $out;
        $this->configure = $configure;
    }

    public function run(): int
    {
        for (;;) {
            if (!$this->waitForInput()) {
                $this->tick();
                continue;
            }
            $line = fgets($this->in);
            if ($line === false) {
                return 0; // the runner went away
            }
            if (trim($line) === '') {
                continue;
            }
            $command = json_decode($line, true);
            $id = is_array($command) ? ($command['id'] ?? null) : null;
            try {
                if (!is_array($command) || !is_string($command['op'] ?? null)) {
                    throw new \InvalidArgumentException('a command is {"id", "op", ...}');
                }
                if ($command['op'] === 'exit') {
                    $this->emit(['reply' => $id, 'ok' => true, 'value' => null]);
                    return 0;
                }
                $this->emit(['reply' => $id, 'ok' => true, 'value' => $this->handle($command)]);
            } catch (\Throwable $e) {
                $this->emit(['reply' => $id, 'ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()]);
            }
            $this->tick();
        }
    }

    /**
     * @param array<string, mixed> $c
     * @return mixed
     */
    private function handle(array $c)
    {
        switch ($c['op']) {
            case 'hello':
                return [
                    'language' => 'php',
                    'php_version' => PHP_VERSION,
                    'sodium' => Ed25519::isAvailable(),
                    'curl' => CurlTransport::isAvailable(),
                ];
            case 'create_client':
                $this->createClient($c);
                return null;
            case 'installation_id':
                return $this->client()->installationId();
            case 'start':
                $this->client();
                $this->running = true;
                return null;
            case 'stop':
                $this->running = false;
                return null;
            case 'call':
                return $this->call((string) ($c['method'] ?? ''), is_array($c['args'] ?? null) ? $c['args'] : []);
            case 'is_blocked':
                return $this->client()->isBlocked();
            case 'debug_enabled':
                return $this->client()->debugEnabled();
            case 'toggle':
                return $this->client()->toggle((string) ($c['key'] ?? ''));
            case 'notices':
                return array_map(static function (array $n): string {
                    return (string) $n['notice_id'];
                }, $this->client()->pendingNotices());
            case 'checkout_reads':
                return $this->checkoutReads((int) ($c['calls'] ?? 0), (string) ($c['toggle'] ?? 'force_update'));
            case 'advance_clock_ms':
                $this->clockOffsetMs += (int) ($c['ms'] ?? 0);
                return null;
            default:
                throw new \InvalidArgumentException("unknown op {$c['op']}");
        }
    }

    /** @param array<string, mixed> $c */
    private function createClient(array $c): void
    {
        $options = is_array($c['options'] ?? null) ? $c['options'] : [];
        $this->clockOffsetMs = (int) ($c['clock_offset_ms'] ?? 0);
        mt_srand((int) ($c['seed'] ?? 1)); // the backoff jitter, reproducible per scenario
        $inner = ($c['transport'] ?? 'auto') === 'stream' || !CurlTransport::isAvailable()
            ? new StreamTransport()
            : new CurlTransport();
        $this->transport = new RecordingTransport($inner, function (array $entry): void {
            $this->emit(['request' => $entry]);
        });
        $options['transport'] = $this->transport;
        $options['clock'] = function (): int {
            return (int) floor(microtime(true) * 1000) + $this->clockOffsetMs;
        };
        $options['random'] = static function (): float {
            return mt_rand() / (mt_getrandmax() + 1);
        };
        $options['logger'] = new CollectingLogger(function (string $message): void {
            $this->emit(['warning' => $message]);
        });
        if ($this->configure !== null) {
            $options = ($this->configure)($options);
        }
        $this->running = false;
        $this->client = new TelemetryClient($options);
    }

    /**
     * @param list<mixed> $args
     * @return array<string, mixed>|null
     */
    private function call(string $method, array $args): ?array
    {
        $c = $this->client();
        switch ($method) {
            case 'heartbeat':
                return $c->heartbeat()->toArray();
            case 'poll_config':
                return $c->pollConfig()->toArray();
            case 'flush':
                return $c->flush()->toArray();
            case 'uninstalled':
                return $c->uninstalled()->toArray();
            case 'refresh_if_due':
                return $c->refreshIfDue()->toArray();
            case 'acknowledge_notice':
                return $c->acknowledgeNotice((string) ($args[0] ?? ''))->toArray();
            case 'record_error':
                $c->recordError((string) ($args[0] ?? ''));
                return null;
            case 'set_consent':
                $c->setConsent(($args[0] ?? null) === true);
                return null;
            default:
                throw new \InvalidArgumentException("unknown method {$method}");
        }
    }

    /**
     * Rounds of the checkout path on this process's client, timed here: what a shop's
     * checkout would pay, without the pipe to the runner.
     *
     * @return array{elapsed_ms: float, requests: int}
     */
    private function checkoutReads(int $calls, string $toggle): array
    {
        $c = $this->client();
        $transport = $this->transport;
        $before = $transport === null ? 0 : $transport->count();
        $started = hrtime(true);
        for ($i = 0; $i < $calls; $i++) {
            $c->isBlocked();
            $c->toggle($toggle);
            $c->debugEnabled();
        }
        $elapsed = (hrtime(true) - $started) / 1e6;
        return ['elapsed_ms' => $elapsed, 'requests' => ($transport === null ? 0 : $transport->count()) - $before];
    }

    /** True when a command is waiting; false after one tick of waiting while the loop runs. */
    private function waitForInput(): bool
    {
        if ((stream_get_meta_data($this->in)['unread_bytes'] ?? 0) > 0) {
            return true; // already buffered by PHP: select would not see it
        }
        $read = [$this->in];
        $write = null;
        $except = null;
        $ready = $this->running
            ? @stream_select($read, $write, $except, 0, self::TICK_MS * 1000)
            : @stream_select($read, $write, $except, null);
        return $ready !== false && $ready > 0;
    }

    /** The shop's scheduler: refresh when due, as a cron or after-response hook would. */
    private function tick(): void
    {
        if (!$this->running || $this->client === null) {
            return;
        }
        $now = (int) floor(microtime(true) * 1000) + $this->clockOffsetMs;
        if ($now >= $this->client->nextRefreshAt() && $this->client->hasConsent()) {
            $this->client->refreshIfDue();
        }
    }

    private function client(): TelemetryClient
    {
        if ($this->client === null) {
            throw new \LogicException('no client: create_client first');
        }
        return $this->client;
    }

    /** @param array<string, mixed> $message */
    private function emit(array $message): void
    {
        $json = json_encode($message, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
        fwrite($this->out, ($json === false ? '{"warning":"unencodable message"}' : $json) . "\n");
        fflush($this->out);
    }
}
