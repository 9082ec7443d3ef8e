<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Why a signed payload was refused; sent as `data.reason` of the
 * `toggle_signature_invalid` error event. The same words as the TypeScript SDK, plus
 * NO_VERIFIER for a PHP built without ext-sodium (and without WordPress's polyfill).
 */
final class Refusal
{
    public const MISSING = 'missing';
    public const MALFORMED = 'malformed';
    public const UNSUPPORTED_ALGORITHM = 'unsupported_algorithm';
    public const NO_VERIFIER = 'no_verifier';
    public const UNKNOWN_KEY = 'unknown_key';
    public const BAD_SIGNATURE = 'bad_signature';
    public const WRONG_INSTALLATION = 'wrong_installation';
    public const WRONG_MERCHANT = 'wrong_merchant';
    public const WRONG_PLUGIN = 'wrong_plugin';
    public const EXPIRED = 'expired';
    public const REPLAYED = 'replayed';

    private function __construct()
    {
    }
}
