<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

/** Signs payloads as ingest does (Ed25519 over the payload's exact bytes), with a test key. */
final class Signer
{
    public const INSTALLATION = '5f0e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f';
    public const MERCHANT = '0b6f4c3e-9d2a-4e1b-8c7d-6a5b4c3d2e1f';

    private string $secret;
    private string $public;
    private string $keyId;

    public function __construct(string $keyId = 'k1')
    {
        $pair = sodium_crypto_sign_keypair();
        $this->secret = sodium_crypto_sign_secretkey($pair);
        $this->public = sodium_crypto_sign_publickey($pair);
        $this->keyId = $keyId;
    }

    /** @return array<string, string> for the pinnedKeys option */
    public function pinned(): array
    {
        return [$this->keyId => base64_encode($this->public)];
    }

    public static function iso(int $ms): string
    {
        return gmdate('Y-m-d\TH:i:s\Z', intdiv($ms, 1000));
    }

    /**
     * A signed payload as current servers write it; `$extra` overrides or adds fields.
     *
     * @param array<string, mixed> $toggles
     * @param array<string, mixed> $extra
     * @return array{payload: string, signature: string, key_id: string, algorithm: string}
     */
    public function signed(array $toggles, array $extra = [], ?int $issuedMs = null): array
    {
        $issued = $issuedMs ?? (int) floor(microtime(true) * 1000);
        $expiries = [];
        foreach (array_keys($toggles) as $k) {
            $expiries[$k] = null;
        }
        $payload = array_merge([
            'installation_id' => self::INSTALLATION,
            'merchant_id' => self::MERCHANT,
            'cms' => 'woocommerce',
            'plugin_version' => '2.4.1',
            'toggles' => (object) $toggles,
            'toggle_expires_at' => (object) $expiries,
            'upgrade' => null,
            'notices' => [],
            'poll_interval_secs' => 300,
            'issued_at' => self::iso($issued),
            'expires_at' => self::iso($issued + 7200000),
        ], $extra);
        return $this->sign((string) json_encode($payload, JSON_UNESCAPED_SLASHES));
    }

    /** @return array{payload: string, signature: string, key_id: string, algorithm: string} */
    public function sign(string $payload): array
    {
        return [
            'payload' => $payload,
            'signature' => base64_encode(sodium_crypto_sign_detached($payload, $this->secret)),
            'key_id' => $this->keyId,
            'algorithm' => 'Ed25519',
        ];
    }
}
