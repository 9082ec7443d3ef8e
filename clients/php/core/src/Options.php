<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * The client's options, checked once at construction: a wrong key, URL or pinned key
 * fails when the adapter wires the client (its settings page, its tests), not later in
 * a checkout. The names are the TypeScript SDK's (camelCase keys of one array).
 *
 * Required: ingestUrl, apiKey, pinnedKeys, pluginVersion, cms, and statePath or store.
 * Unknown keys are refused, so a misspelt option cannot be silently ignored.
 */
final class Options
{
    private const KNOWN = [
        'ingestUrl', 'apiKey', 'pinnedKeys', 'pluginVersion', 'cms', 'consent', 'statePath', 'store',
        'installationId', 'merchantId', 'cmsVersion', 'siteHost', 'environment', 'pollIntervalMs',
        'heartbeatIntervalMs', 'requestTimeoutMs', 'backoffBaseMs', 'backoffMaxMs', 'logger', 'clock',
        'random', 'transport',
    ];

    public string $baseUrl;
    public string $apiKey;
    /** @var array<string, string> key_id => 32 raw bytes */
    public array $pinnedKeys;
    public string $pluginVersion;
    public string $cms;
    public bool $consent;
    public StateStore $store;
    public ?string $installationId;
    public ?string $merchantId;
    public ?string $cmsVersion;
    public ?string $siteHost;
    public string $environment;
    public ?int $pollIntervalMs;
    public ?int $heartbeatIntervalMs;
    public int $requestTimeoutMs;
    public int $backoffBaseMs;
    public int $backoffMaxMs;
    public Logger $logger;
    /** @var callable():int milliseconds since the epoch */
    public $clock;
    /** @var callable():float in [0, 1) */
    public $random;
    public Transport $transport;

    /**
     * @param array<string, mixed> $o
     * @throws \InvalidArgumentException
     */
    public static function fromArray(array $o): self
    {
        $unknown = array_diff(array_keys($o), self::KNOWN);
        if ($unknown !== []) {
            throw new \InvalidArgumentException('unknown option(s): ' . implode(', ', $unknown));
        }
        $s = new self();
        $url = $o['ingestUrl'] ?? null;
        $scheme = is_string($url) ? strtolower((string) parse_url($url, PHP_URL_SCHEME)) : '';
        if (
            !is_string($url) || ($scheme !== 'http' && $scheme !== 'https')
            || (string) parse_url($url, PHP_URL_HOST) === ''
        ) {
            throw new \InvalidArgumentException('ingestUrl must be an absolute http(s) URL');
        }
        $s->baseUrl = rtrim($url, '/');
        $key = $o['apiKey'] ?? null;
        if (!is_string($key) || trim($key) === '') {
            throw new \InvalidArgumentException('apiKey is required');
        }
        $s->apiKey = trim($key);
        $s->pinnedKeys = self::pinnedKeys($o['pinnedKeys'] ?? null);
        $version = $o['pluginVersion'] ?? null;
        if (!is_string($version) || $version === '' || strlen($version) > 64) {
            throw new \InvalidArgumentException('pluginVersion is required (at most 64 characters)');
        }
        $s->pluginVersion = $version;
        $cms = $o['cms'] ?? null;
        if (!is_string($cms) || !in_array($cms, Wire::KNOWN_CMS, true)) {
            throw new \InvalidArgumentException('cms must be one of ' . implode(', ', Wire::KNOWN_CMS));
        }
        $s->cms = $cms;
        $s->consent = ($o['consent'] ?? false) === true;
        if (isset($o['store'])) {
            if (!$o['store'] instanceof StateStore) {
                throw new \InvalidArgumentException('store must implement ' . StateStore::class);
            }
            $s->store = $o['store'];
        } elseif (is_string($o['statePath'] ?? null) && $o['statePath'] !== '') {
            $s->store = new FileStateStore($o['statePath']);
        } else {
            throw new \InvalidArgumentException(
                'statePath (or store) is required: the last verified state must survive requests'
            );
        }
        $s->installationId = self::uuid('installationId', $o['installationId'] ?? null);
        $s->merchantId = self::uuid('merchantId', $o['merchantId'] ?? null);
        $s->cmsVersion = self::text('cmsVersion', $o['cmsVersion'] ?? null, 64);
        $s->siteHost = self::text('siteHost', $o['siteHost'] ?? null, 253);
        $environment = $o['environment'] ?? 'production';
        if (!is_string($environment) || !in_array($environment, Wire::ENVIRONMENTS, true)) {
            throw new \InvalidArgumentException('environment must be one of ' . implode(', ', Wire::ENVIRONMENTS));
        }
        $s->environment = $environment;
        $s->pollIntervalMs = isset($o['pollIntervalMs'])
            ? self::positive('pollIntervalMs', $o['pollIntervalMs'], 100, 86400000) : null;
        $s->heartbeatIntervalMs = isset($o['heartbeatIntervalMs'])
            ? self::positive('heartbeatIntervalMs', $o['heartbeatIntervalMs'], 100, 7 * 86400000) : null;
        $s->requestTimeoutMs = isset($o['requestTimeoutMs'])
            ? self::positive('requestTimeoutMs', $o['requestTimeoutMs'], 1, Transport::MAX_TIMEOUT_MS)
            : Transport::MAX_TIMEOUT_MS;
        $s->backoffBaseMs = isset($o['backoffBaseMs'])
            ? self::positive('backoffBaseMs', $o['backoffBaseMs'], 10, 3600000) : 1000;
        $max = isset($o['backoffMaxMs']) ? self::positive('backoffMaxMs', $o['backoffMaxMs'], 10, 86400000) : 300000;
        $s->backoffMaxMs = max($s->backoffBaseMs, $max);
        $logger = $o['logger'] ?? new ErrorLogLogger();
        if (!$logger instanceof Logger) {
            throw new \InvalidArgumentException('logger must implement ' . Logger::class);
        }
        $s->logger = $logger;
        $s->clock = self::callable('clock', $o['clock'] ?? null) ?? static function (): int {
            return (int) floor(microtime(true) * 1000);
        };
        $s->random = self::callable('random', $o['random'] ?? null) ?? static function (): float {
            return mt_rand() / (mt_getrandmax() + 1);
        };
        $transport = $o['transport'] ?? null;
        if ($transport === null) {
            $transport = CurlTransport::isAvailable() ? new CurlTransport() : new StreamTransport();
        } elseif ($transport === 'curl') {
            $transport = new CurlTransport();
        } elseif ($transport === 'stream') {
            $transport = new StreamTransport();
        }
        if (!$transport instanceof Transport) {
            throw new \InvalidArgumentException('transport must be "curl", "stream" or implement ' . Transport::class);
        }
        $s->transport = $transport;
        return $s;
    }

    /**
     * @param mixed $keys
     * @return array<string, string>
     */
    private static function pinnedKeys($keys): array
    {
        if (!is_array($keys) || $keys === []) {
            throw new \InvalidArgumentException('pinnedKeys must hold at least one Ed25519 public key');
        }
        $out = [];
        foreach ($keys as $id => $b64) {
            $raw = is_string($b64) ? Ed25519::decodeBase64(trim($b64)) : null;
            if ($raw === null || strlen($raw) !== 32) {
                throw new \InvalidArgumentException("pinnedKeys.{$id} must be base64 of a 32-byte Ed25519 public key");
            }
            $out[(string) $id] = $raw;
        }
        return $out;
    }

    /** @param mixed $v */
    private static function uuid(string $name, $v): ?string
    {
        if ($v === null) {
            return null;
        }
        if (!is_string($v) || !Uuid::isValid($v)) {
            throw new \InvalidArgumentException("{$name} must be a UUID");
        }
        return strtolower($v);
    }

    /** @param mixed $v */
    private static function text(string $name, $v, int $max): ?string
    {
        if ($v === null || $v === '') {
            return null;
        }
        if (!is_string($v) || strlen($v) > $max) {
            throw new \InvalidArgumentException("{$name} must be a string of at most {$max} characters");
        }
        return $v;
    }

    /** @param mixed $v */
    private static function positive(string $name, $v, int $min, int $max): int
    {
        if ((!is_int($v) && !is_float($v)) || !is_finite((float) $v) || $v <= 0) {
            throw new \InvalidArgumentException("{$name} must be a positive number");
        }
        return (int) min($max, max($min, $v));
    }

    /** @param mixed $v */
    private static function callable(string $name, $v): ?callable
    {
        if ($v === null) {
            return null;
        }
        if (!is_callable($v)) {
            throw new \InvalidArgumentException("{$name} must be callable");
        }
        return $v;
    }

    private function __construct()
    {
    }
}
