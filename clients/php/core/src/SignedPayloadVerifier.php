<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Verification of the signed payload (policy/src/signed.rs, ingest/src/signing.rs).
 *
 * Order: algorithm, a key PINNED in the client (never one fetched from the server), the
 * Ed25519 signature over the exact `payload` bytes, then decoding those bytes (never
 * re-serialised), then the payload's own rules: it names this installation and (when it
 * says) this merchant, CMS and plugin version; `expires_at` is in the future;
 * `issued_at` is not older than the last accepted payload's. An equal `issued_at` is
 * accepted: the server writes whole seconds, so two answers of one second share it.
 */
final class SignedPayloadVerifier
{
    /** @var array<string, string> key_id => 32 raw bytes */
    private array $pinnedKeys;
    private string $installationId;
    private string $cms;
    private string $pluginVersion;

    /** @param array<string, string> $pinnedKeys */
    public function __construct(array $pinnedKeys, string $installationId, string $cms, string $pluginVersion)
    {
        $this->pinnedKeys = $pinnedKeys;
        $this->installationId = strtolower($installationId);
        $this->cms = $cms;
        $this->pluginVersion = $pluginVersion;
    }

    /**
     * @param mixed $raw `signed_toggles` as decoded from the answer or the state
     * @param ?string $merchantId the client's merchant (configured, or learned)
     * @param ?int $lastIssuedAt `issued_at` of the last accepted payload (ms)
     * @param bool $received true for a payload just received; false when re-reading the
     *     client's own last verified payload from storage: signature, installation and
     *     merchant are checked again, but it may have expired while nobody asked, and
     *     the plugin may have been upgraded since (it is kept until the next answer).
     */
    public function verify($raw, ?string $merchantId, int $now, ?int $lastIssuedAt, bool $received): Verification
    {
        if ($raw === null) {
            return Verification::refused(Refusal::MISSING);
        }
        $signed = self::asSigned($raw);
        if ($signed === null) {
            return Verification::refused(Refusal::MALFORMED);
        }
        if ($signed['algorithm'] !== 'Ed25519') {
            return Verification::refused(Refusal::UNSUPPORTED_ALGORITHM);
        }
        $key = $this->pinnedKeys[$signed['key_id']] ?? null;
        if ($key === null) {
            return Verification::refused(Refusal::UNKNOWN_KEY);
        }
        if (!Ed25519::isAvailable()) {
            return Verification::refused(Refusal::NO_VERIFIER);
        }
        $signature = Ed25519::decodeBase64($signed['signature']);
        if ($signature === null || !Ed25519::verify($key, $signed['payload'], $signature)) {
            return Verification::refused(Refusal::BAD_SIGNATURE);
        }
        $p = VerifiedPayload::decode($signed['payload']);
        if ($p === null) {
            return Verification::refused(Refusal::MALFORMED);
        }
        if (strtolower($p->installationId) !== $this->installationId) {
            return Verification::refused(Refusal::WRONG_INSTALLATION);
        }
        if ($p->merchantId !== null && $merchantId !== null && strtolower($p->merchantId) !== strtolower($merchantId)) {
            return Verification::refused(Refusal::WRONG_MERCHANT);
        }
        if ($received) {
            if (
                ($p->cms !== null && $p->cms !== $this->cms)
                || ($p->pluginVersion !== null && $p->pluginVersion !== $this->pluginVersion)
            ) {
                return Verification::refused(Refusal::WRONG_PLUGIN);
            }
            if ($p->expiresAt <= $now) {
                return Verification::refused(Refusal::EXPIRED);
            }
            if ($lastIssuedAt !== null && $p->issuedAt < $lastIssuedAt) {
                return Verification::refused(Refusal::REPLAYED);
            }
        }
        return Verification::accepted($signed, $p);
    }

    /**
     * @param mixed $v
     * @return array{payload: string, signature: string, key_id: string, algorithm: string}|null
     */
    public static function asSigned($v): ?array
    {
        if (!is_array($v)) {
            return null;
        }
        $payload = $v['payload'] ?? null;
        $signature = $v['signature'] ?? null;
        $keyId = $v['key_id'] ?? null;
        if (!is_string($payload) || !is_string($signature) || !is_string($keyId)) {
            return null;
        }
        $algorithm = $v['algorithm'] ?? '';
        return [
            'payload' => $payload,
            'signature' => $signature,
            'key_id' => $keyId,
            'algorithm' => is_string($algorithm) ? $algorithm : '',
        ];
    }
}
