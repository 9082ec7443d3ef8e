<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Parsing ingest's answers. Lenient about what the client does not need (unknown fields
 * are ignored, as the server ignores ours), strict about the shapes it acts on: a
 * malformed notice is dropped, never half-shown.
 */
final class AnswerParser
{
    private function __construct()
    {
    }

    /** A heartbeat's 202 body: the answer's fields at the top level. */
    public static function heartbeatAnswer(string $text): ?PluginAnswer
    {
        $v = self::json($text);
        return self::isObject($v) ? self::answer($v) : null;
    }

    /** A config poll's 200 body: `{"installation_id", "config": {…answer}}`. */
    public static function configAnswer(string $text): ?PluginAnswer
    {
        $v = self::json($text);
        if (!self::isObject($v) || !self::isObject($v['config'] ?? null)) {
            return null;
        }
        return self::answer($v['config']);
    }

    /**
     * A 4xx/5xx body when it is ingest's error shape.
     *
     * @return array{code: string, message: string, field: ?string}|null
     */
    public static function serverError(string $text): ?array
    {
        $v = self::json($text);
        $e = self::isObject($v) ? ($v['error'] ?? null) : null;
        if (!self::isObject($e) || !is_string($e['code'] ?? null)) {
            return null;
        }
        return [
            'code' => $e['code'],
            'message' => is_string($e['message'] ?? null) ? $e['message'] : '',
            'field' => is_string($e['field'] ?? null) ? $e['field'] : null,
        ];
    }

    /**
     * A notice (store::notifications::InAppNotice), or null when it has no usable id.
     *
     * @param mixed $v
     * @return array{notice_id: string, to_version: string, upgrade_type: string, priority: string,
     *     critical: bool, message: ?string, created_at: string}|null
     */
    public static function notice($v): ?array
    {
        if (!self::isObject($v)) {
            return null;
        }
        $id = $v['notice_id'] ?? null;
        if (!is_string($id) || $id === '' || strlen($id) > 64) {
            return null;
        }
        return [
            'notice_id' => $id,
            'to_version' => self::str($v, 'to_version') ?? '',
            'upgrade_type' => self::str($v, 'upgrade_type') ?? '',
            'priority' => self::str($v, 'priority') ?? '',
            'critical' => ($v['critical'] ?? false) === true,
            'message' => self::str($v, 'message'),
            'created_at' => self::str($v, 'created_at') ?? '',
        ];
    }

    /**
     * Notices without duplicates ("shown once": a notice listed twice is shown once).
     *
     * @param mixed $list
     * @return list<array<string, mixed>>
     */
    public static function notices($list): array
    {
        $out = [];
        $seen = [];
        if (!is_array($list)) {
            return $out;
        }
        foreach ($list as $raw) {
            $n = self::notice($raw);
            if ($n !== null && !isset($seen[$n['notice_id']])) {
                $seen[$n['notice_id']] = true;
                $out[] = $n;
            }
        }
        return $out;
    }

    /**
     * Upgrade advice (policy::advice::UpgradeAdvice), or null.
     *
     * @param mixed $v
     * @return array<string, mixed>|null
     */
    public static function upgrade($v): ?array
    {
        if (!self::isObject($v) || !is_string($v['latest_version'] ?? null)) {
            return null;
        }
        $requirements = [];
        if (self::isObject($v['requirements'] ?? null)) {
            foreach ($v['requirements'] as $k => $r) {
                $requirements[(string) $k] = is_string($r) ? $r : null;
            }
        }
        $reasons = [];
        if (is_array($v['reasons'] ?? null)) {
            foreach ($v['reasons'] as $r) {
                if (is_string($r)) {
                    $reasons[] = $r;
                }
            }
        }
        return [
            'current_version' => self::str($v, 'current_version') ?? '',
            'latest_version' => $v['latest_version'],
            'upgrade_type' => self::str($v, 'upgrade_type') ?? '',
            'critical' => ($v['critical'] ?? false) === true,
            'required' => ($v['required'] ?? false) === true,
            'priority' => self::str($v, 'priority') ?? '',
            'reasons' => $reasons,
            'changelog' => self::str($v, 'changelog') ?? '',
            'package_url' => self::str($v, 'package_url'),
            'requirements' => $requirements,
        ];
    }

    /**
     * A JSON object decoded to an array (a list is not an object; `{}` decodes to []).
     *
     * @param mixed $v
     */
    public static function isObject($v): bool
    {
        if (!is_array($v)) {
            return false;
        }
        return $v === [] || array_keys($v) !== range(0, count($v) - 1);
    }

    /** @return mixed null when not JSON */
    public static function json(string $text)
    {
        if ($text === '') {
            return null;
        }
        $v = json_decode($text, true, 64);
        return json_last_error() === JSON_ERROR_NONE ? $v : null;
    }

    /** @param array<string, mixed> $o */
    private static function answer(array $o): PluginAnswer
    {
        $next = $o['next_heartbeat_in_secs'] ?? null;
        return new PluginAnswer(
            $o['signed_toggles'] ?? null,
            self::upgrade($o['upgrade'] ?? null),
            self::notices($o['notices'] ?? null),
            is_int($next) && $next > 0 ? $next : null
        );
    }

    /** @param array<string, mixed> $v */
    private static function str(array $v, string $key): ?string
    {
        return is_string($v[$key] ?? null) ? $v[$key] : null;
    }
}
