<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * When to ask ingest again. 429 and 503 carry `Retry-After` (ingest/src/error.rs): no
 * request of any kind before it. Other failures back off exponentially with jitter, so
 * a fleet of shops that lost ingest in the same second does not return in the same
 * second.
 */
final class Backoff
{
    /** A broken proxy must not silence a shop for weeks. */
    public const MAX_RETRY_AFTER_MS = 86400000;
    /** `Retry-After: 0` still means "not in this same instant". */
    public const MIN_RETRY_AFTER_MS = 1000;

    private function __construct()
    {
    }

    /**
     * `Retry-After` as delta-seconds or an HTTP-date, as a delay in ms from `$now`,
     * clamped to [1 s, 24 h]; null when absent or unreadable.
     */
    public static function parseRetryAfter(?string $header, int $now): ?int
    {
        if ($header === null) {
            return null;
        }
        $value = trim($header);
        if ($value === '') {
            return null;
        }
        if (preg_match('/^\d+$/', $value) === 1) {
            $delay = strlen($value) > 9 ? self::MAX_RETRY_AFTER_MS : (int) $value * 1000;
        } else {
            // An HTTP-date names a day and a month: without a letter it is not one.
            if (preg_match('/[A-Za-z]/', $value) !== 1) {
                return null;
            }
            $at = strtotime($value);
            if ($at === false) {
                return null;
            }
            $delay = $at * 1000 - $now;
        }
        return min(self::MAX_RETRY_AFTER_MS, max(self::MIN_RETRY_AFTER_MS, $delay));
    }

    /**
     * The wait after the `$failures`-th consecutive failure (1 = first): "equal jitter",
     * half of min(max, base * 2^(failures-1)) fixed and half random, so it never drops
     * to zero and never exceeds the cap.
     *
     * @param callable():float $random a number in [0, 1)
     */
    public static function delay(int $failures, int $baseMs, int $maxMs, callable $random): int
    {
        $n = max(1, $failures);
        $ceiling = min((float) $maxMs, $baseMs * (2 ** min($n - 1, 30)));
        $r = min(1.0, max(0.0, (float) $random()));
        return (int) round($ceiling / 2 + ($ceiling / 2) * $r);
    }
}
