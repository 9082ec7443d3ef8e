<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

/**
 * The live stack the adapters' tests talk to, as the TypeScript conformance harness
 * does (clients/node/harness/live-stack.ts): ingest on 127.0.0.1:8080, the Ops API on
 * 127.0.0.1:8081, and `ptctl` for what a plugin cannot do itself (a merchant and its
 * API key, toggles, a release). Loopback only. Shared by the PrestaShop and Magento
 * tests (clients/php/testing/: both adapters' tests/bootstrap.php load it).
 */
final class LiveStack
{
    private string $cacheDir;
    private string $agentName;
    private ?string $operatorToken = null;

    /**
     * @param string $cacheDir where the Ops operator's token is kept between runs (git-ignored)
     * @param string $agentName the Ops agent the token is for (one per suite: names are unique)
     */
    public function __construct(string $cacheDir, string $agentName)
    {
        $this->cacheDir = rtrim($cacheDir, '/');
        $this->agentName = $agentName;
    }

    public static function repoRoot(): string
    {
        return dirname(__DIR__, 3);
    }

    public static function ingestUrl(): string
    {
        return self::loopback('INGEST_URL', getenv('INGEST_URL') ?: 'http://127.0.0.1:8080');
    }

    public static function opsApiUrl(): string
    {
        return self::loopback('PUBLIC_API_URL', getenv('PUBLIC_API_URL') ?: 'http://127.0.0.1:8081');
    }

    public static function ptctl(): string
    {
        $target = getenv('CARGO_TARGET_DIR') ?: (getenv('HOME') ?: '/root') . '/.cache/plugin-telemetry/target';
        return getenv('PTCTL') ?: $target . '/debug/ptctl';
    }

    /**
     * Why the live tests cannot run here, or null. The stack is shared with suites whose
     * drills stop Kafka for tens of seconds (ingest then answers heartbeats 503): while
     * ingest's readiness (its internal `/readyz`, 127.0.0.1:9100) says Kafka is
     * unreachable, this waits, up to 90 s, rather than fail a test on another's drill.
     */
    public static function unavailable(): ?string
    {
        if (!is_executable(self::ptctl())) {
            return 'ptctl not found at ' . self::ptctl() . ' (set CARGO_TARGET_DIR or PTCTL)';
        }
        [$status] = self::http('GET', self::ingestUrl() . '/healthz', [], null, 2);
        if ($status !== 200) {
            return 'live ingest is not reachable at ' . self::ingestUrl() . " (/healthz: {$status})";
        }
        $internal = getenv('INGEST_INTERNAL_URL') ?: 'http://127.0.0.1:9100';
        $ready = self::loopback('INGEST_INTERNAL_URL', $internal) . '/readyz';
        $deadline = microtime(true) + 90;
        for (;;) {
            [$status] = self::http('GET', $ready, [], null, 2);
            if ($status !== 503) {
                return null; // ready, or no readiness endpoint to ask
            }
            if (microtime(true) > $deadline) {
                return "ingest has not been ready for 90 s ({$ready}: Kafka unreachable)";
            }
            sleep(1);
        }
    }

    /**
     * The public keys of the dev signing keys (`key_id base64_seed` lines of
     * .state/signing-keys), as a release built against this stack would pin them.
     *
     * @return array<string, string>
     */
    public static function pinnedKeys(): array
    {
        $file = getenv('INGEST_SIGNING_KEYS_FILE') ?: self::repoRoot() . '/.state/signing-keys';
        $text = @file_get_contents($file);
        if ($text === false) {
            throw new \RuntimeException("signing keys not found at {$file} (set INGEST_SIGNING_KEYS_FILE)");
        }
        $keys = [];
        foreach (preg_split('/\R/', $text) ?: [] as $line) {
            $line = trim($line);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            $parts = preg_split('/\s+/', $line) ?: [];
            $seed = base64_decode($parts[1] ?? '', true);
            if ($seed === false || strlen($seed) !== 32) {
                throw new \RuntimeException("signing key {$parts[0]}: the seed is not 32 bytes");
            }
            $keys[$parts[0]] = base64_encode(sodium_crypto_sign_publickey(sodium_crypto_sign_seed_keypair($seed)));
        }
        return $keys;
    }

    /** @return array{id: string, apiKey: string} a merchant and an API key of its own */
    public function createMerchant(string $name, string $label): array
    {
        $id = trim(self::run(['merchant', 'create', '--name', $name]));
        $out = self::run(['key', 'create', '--merchant', $id, '--label', $label]);
        if (preg_match('/^key:\s+(\S+)/m', $out, $m) !== 1) {
            throw new \RuntimeException('ptctl key create printed no key');
        }
        return ['id' => $id, 'apiKey' => $m[1]];
    }

    /** @param mixed $value a merchant-scoped toggle; returns its id */
    public function setToggle(string $merchant, string $key, $value, string $reason, ?int $expiresInHours): string
    {
        $args = ['toggle', 'set', '--key', $key, '--value', (string) json_encode($value), '--scope', 'merchant',
            '--merchant', $merchant, '--reason', $reason];
        if ($expiresInHours !== null) {
            array_push($args, '--expires-in-hours', (string) $expiresInHours);
        }
        $lines = explode("\n", trim(self::run($args)));
        $id = trim((string) end($lines));
        if (preg_match('/^[0-9a-f-]{36}$/', $id) !== 1) {
            throw new \RuntimeException('ptctl toggle set printed no id: ' . implode(' / ', $lines));
        }
        return $id;
    }

    public function revokeToggle(string $id, string $reason): void
    {
        self::run(['toggle', 'revoke', '--id', $id, '--reason', $reason]);
    }

    /**
     * An Ops upgrade notice to one installation (`POST /api/v1/plugins/{id}/notify-upgrade`),
     * retried while the installation has not reached PostgreSQL (404). A registry
     * without a newer release for `$cms` gets the next patch of `$version`, as the
     * conformance harness does (releases stay: only ever 0.0.x, below every e2e line).
     */
    public function notifyUpgrade(string $installationId, string $message, string $cms, string $version): string
    {
        $published = false;
        // The installation reaches PostgreSQL through Kafka and the aggregator: seconds,
        // or longer while another suite's drill has Kafka stopped.
        $deadline = microtime(true) + 45;
        for (;;) {
            [$status, $body] = self::http(
                'POST',
                self::opsApiUrl() . '/api/v1/plugins/' . $installationId . '/notify-upgrade',
                ['authorization: Bearer ' . $this->operatorToken(), 'content-type: application/json'],
                (string) json_encode(['message' => $message]),
                5
            );
            $doc = json_decode($body, true);
            if (($status === 202 || $status === 200) && is_string($doc['notification_id'] ?? null)) {
                return $doc['notification_id'];
            }
            if ($status === 409 && ($doc['code'] ?? null) === 'up_to_date' && !$published) {
                if (preg_match('/^0\.0\.(\d+)$/', $version, $m) !== 1) {
                    throw new \RuntimeException("no {$cms} release above {$version}; test with a 0.0.x version");
                }
                $next = '0.0.' . ((int) $m[1] + 1);
                try {
                    self::run(['version', 'publish', '--cms', $cms, '--version', $next,
                        '--changelog', 'adapter tests: a release to be told about'], false);
                } catch (\RuntimeException $e) {
                    if (stripos($e->getMessage(), 'already') === false) {
                        throw $e;
                    }
                }
                $published = true;
                continue;
            }
            if ($status !== 404 || microtime(true) > $deadline) {
                throw new \RuntimeException("notify-upgrade answered {$status}: {$body}");
            }
            usleep(200000);
        }
    }

    /** The notice ids live ingest lists for an installation now (asked directly). */
    public function listedNotices(string $apiKey, string $installationId, string $cms, string $version): array
    {
        $query = http_build_query(['installation_id' => $installationId, 'cms' => $cms, 'plugin_version' => $version]);
        [$status, $body] = self::http(
            'GET',
            self::ingestUrl() . '/api/v1/plugins/config?' . $query,
            ['authorization: Bearer ' . $apiKey],
            null,
            5
        );
        if ($status !== 200) {
            throw new \RuntimeException("config answered {$status}: {$body}");
        }
        $doc = json_decode($body, true);
        return array_map(static function (array $n): string {
            return (string) $n['notice_id'];
        }, $doc['config']['notices'] ?? []);
    }

    /**
     * An operator's token for the Ops API: created once with `ptctl agent create` and
     * kept in the cache folder, so runs do not pile up agents.
     */
    private function operatorToken(): string
    {
        if ($this->operatorToken !== null) {
            return $this->operatorToken;
        }
        $file = $this->cacheDir . '/ops-agent-token';
        if (is_file($file)) {
            $cached = trim((string) file_get_contents($file));
            $me = self::opsApiUrl() . '/api/v1/auth/me';
            [$status] = self::http('GET', $me, ['authorization: Bearer ' . $cached], null, 5);
            if ($status === 200) {
                return $this->operatorToken = $cached;
            }
        }
        $token = trim(self::run(['agent', 'create', '--name', $this->agentName, '--role', 'operator']));
        if (!is_dir($this->cacheDir)) {
            mkdir($this->cacheDir, 0700, true);
        }
        file_put_contents($file, $token . "\n");
        chmod($file, 0600);
        return $this->operatorToken = $token;
    }

    /**
     * One ptctl command. The stack is shared with suites whose drills stop PostgreSQL
     * for tens of seconds: a failing command is retried for up to a minute, unless
     * `$retry` is false (a refusal that must reach the caller, such as "already").
     *
     * @param list<string> $args
     */
    private static function run(array $args, bool $retry = true): string
    {
        $deadline = microtime(true) + 60;
        for (;;) {
            try {
                return self::runOnce($args);
            } catch (\RuntimeException $e) {
                // "already exists" / "already published" are answers, not outages.
                if (!$retry || stripos($e->getMessage(), 'already') !== false || microtime(true) > $deadline) {
                    throw $e;
                }
                sleep(1);
            }
        }
    }

    /** @param list<string> $args */
    private static function runOnce(array $args): string
    {
        $env = getenv();
        $env['DATABASE_URL'] = getenv('DATABASE_URL')
            ?: 'postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry';
        $env['LOG_FORMAT'] = 'text';
        $io = [1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        $proc = proc_open(array_merge([self::ptctl()], $args), $io, $pipes, null, $env);
        if (!is_resource($proc)) {
            throw new \RuntimeException('ptctl did not start');
        }
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $code = proc_close($proc);
        if ($code !== 0) {
            $err = substr(trim($err), 0, 600); // a panic's backtrace is not the news
            throw new \RuntimeException('ptctl ' . implode(' ', $args) . " failed ({$code}): {$err}");
        }
        return $out;
    }

    /**
     * @param list<string> $headers
     * @return array{0: int, 1: string}
     */
    private static function http(string $method, string $url, array $headers, ?string $body, int $timeout): array
    {
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_TIMEOUT => $timeout,
            CURLOPT_FOLLOWLOCATION => false,
        ]);
        if ($body !== null) {
            curl_setopt($ch, CURLOPT_POSTFIELDS, $body);
        }
        $text = curl_exec($ch);
        $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        curl_close($ch);
        return [$status, is_string($text) ? $text : ''];
    }

    private static function loopback(string $name, string $url): string
    {
        if (parse_url($url, PHP_URL_HOST) !== '127.0.0.1') {
            throw new \RuntimeException("{$name} must point at 127.0.0.1 (got {$url})");
        }
        return rtrim($url, '/');
    }
}
