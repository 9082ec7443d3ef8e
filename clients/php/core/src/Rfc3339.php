<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * RFC 3339 timestamps as milliseconds since the epoch. Ingest writes whole seconds with
 * `Z`; anything else valid is read too. Parsed by hand rather than with strtotime,
 * which accepts far more than RFC 3339 ("next monday") and would let a malformed
 * expiry pass as some other moment.
 */
final class Rfc3339
{
    private const PATTERN = '/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/';

    private function __construct()
    {
    }

    /** @param mixed $value */
    public static function parse($value): ?int
    {
        if (!is_string($value) || preg_match(self::PATTERN, $value, $m) !== 1) {
            return null;
        }
        [$year, $month, $day, $hour, $minute, $second] = array_map('intval', array_slice($m, 1, 6));
        if (!checkdate($month, $day, $year) || $hour > 23 || $minute > 59 || $second > 60) {
            return null;
        }
        $seconds = gmmktime($hour, $minute, min($second, 59), $month, $day, $year);
        if ($seconds === false) {
            return null;
        }
        $ms = $m[7] === '' ? 0 : (int) str_pad(substr($m[7], 1, 3), 3, '0');
        $offset = 0;
        if ($m[8] !== 'Z') {
            $sign = $m[8][0] === '-' ? -1 : 1;
            $offset = $sign * ((int) substr($m[8], 1, 2) * 3600 + (int) substr($m[8], 4, 2) * 60);
        }
        return ($seconds - $offset) * 1000 + $ms;
    }

    /** `2026-01-02T03:04:05.678Z`, as the TypeScript SDK writes `occurred_at` and `sent_at`. */
    public static function format(int $ms): string
    {
        $seconds = intdiv($ms, 1000);
        $rest = $ms - $seconds * 1000;
        if ($rest < 0) {
            $seconds -= 1;
            $rest += 1000;
        }
        return gmdate('Y-m-d\TH:i:s', $seconds) . sprintf('.%03dZ', $rest);
    }
}
