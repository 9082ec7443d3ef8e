<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Ed25519 signature verification. ext-sodium (bundled with PHP >= 7.2) provides it; on
 * WordPress without the extension, core's sodium_compat defines the same function.
 * There is deliberately no home-made fallback: a wrong verifier is worse than none,
 * and without one every payload is refused (the shop keeps working, unblocked).
 */
final class Ed25519
{
    private function __construct()
    {
    }

    public static function isAvailable(): bool
    {
        return function_exists('sodium_crypto_sign_verify_detached');
    }

    /** False for wrong lengths or any failure: only a valid signature answers true. */
    public static function verify(string $publicKey, string $message, string $signature): bool
    {
        if (strlen($publicKey) !== 32 || strlen($signature) !== 64 || !self::isAvailable()) {
            return false;
        }
        try {
            return sodium_crypto_sign_verify_detached($signature, $message, $publicKey);
        } catch (\Throwable $e) {
            return false;
        }
    }

    /** Strict base64 (standard alphabet, padded), or null. */
    public static function decodeBase64(string $s): ?string
    {
        if ($s === '' || strlen($s) % 4 !== 0 || preg_match('#^[A-Za-z0-9+/]+={0,2}$#', $s) !== 1) {
            return null;
        }
        $bytes = base64_decode($s, true);
        return $bytes === false ? null : $bytes;
    }
}
