<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * A signed payload whose signature verified, decoded (signed_payload.v1.json). Times
 * are milliseconds since the epoch. Everything the plugin acts on comes from here.
 */
final class VerifiedPayload
{
    public string $installationId;
    /** @var array<string, mixed> */
    public array $toggles;
    /** @var array<string, int|null> each toggle's own end (null: until revoked) */
    public array $toggleExpiresAt;
    public int $issuedAt;
    public int $expiresAt;
    /** The facts the payload is bound to (null: not named, an older server). */
    public ?string $merchantId;
    public ?string $cms;
    public ?string $pluginVersion;
    /** False when the payload carries no `upgrade` (then the answer's own is used). */
    public bool $hasUpgrade;
    /** @var array<string, mixed>|null */
    public ?array $upgrade;
    /** @var list<array<string, mixed>>|null null when the payload carries no `notices` */
    public ?array $notices;
    public ?int $pollIntervalSecs;

    /**
     * Decodes the exact payload bytes (after their signature verified); null when the
     * payload lacks what every version of it has.
     */
    public static function decode(string $payload): ?self
    {
        $v = AnswerParser::json($payload);
        if (!AnswerParser::isObject($v)) {
            return null;
        }
        $toggles = $v['toggles'] ?? null;
        $expiries = $v['toggle_expires_at'] ?? null;
        $issued = Rfc3339::parse($v['issued_at'] ?? null);
        $expires = Rfc3339::parse($v['expires_at'] ?? null);
        if (
            !is_string($v['installation_id'] ?? null) || !AnswerParser::isObject($toggles)
            || !AnswerParser::isObject($expiries) || $issued === null || $expires === null
        ) {
            return null;
        }
        $p = new self();
        $p->installationId = $v['installation_id'];
        $p->toggles = $toggles;
        $p->toggleExpiresAt = [];
        foreach (array_keys($toggles) as $key) {
            $raw = $expiries[$key] ?? null;
            if ($raw === null) {
                $p->toggleExpiresAt[(string) $key] = null;
                continue;
            }
            $end = Rfc3339::parse($raw);
            if ($end === null) {
                return null; // an unreadable expiry must not become "never ends"
            }
            $p->toggleExpiresAt[(string) $key] = $end;
        }
        $p->issuedAt = $issued;
        $p->expiresAt = $expires;
        $p->merchantId = is_string($v['merchant_id'] ?? null) ? $v['merchant_id'] : null;
        $p->cms = is_string($v['cms'] ?? null) ? $v['cms'] : null;
        $p->pluginVersion = is_string($v['plugin_version'] ?? null) ? $v['plugin_version'] : null;
        $p->hasUpgrade = array_key_exists('upgrade', $v);
        $p->upgrade = AnswerParser::upgrade($v['upgrade'] ?? null);
        $p->notices = is_array($v['notices'] ?? null) ? AnswerParser::notices($v['notices']) : null;
        $poll = $v['poll_interval_secs'] ?? null;
        $p->pollIntervalSecs = is_int($poll) && $poll > 0 ? $poll : null;
        return $p;
    }

    /**
     * A toggle's value at `$now`: null when absent or past its own `toggle_expires_at`.
     *
     * @return mixed
     */
    public function toggleValue(string $key, int $now)
    {
        if (!array_key_exists($key, $this->toggles)) {
            return null;
        }
        $end = $this->toggleExpiresAt[$key] ?? null;
        if ($end !== null && $end <= $now) {
            return null;
        }
        return $this->toggles[$key];
    }

    /** The first moment any toggle ends, or the payload expires, whichever comes first. */
    public function nextExpiry(): int
    {
        $first = $this->expiresAt;
        foreach ($this->toggleExpiresAt as $end) {
            if ($end !== null && $end < $first) {
                $first = $end;
            }
        }
        return $first;
    }

    /**
     * Keys whose value differs between two verified payloads (for `toggle_applied`).
     *
     * @return list<string>
     */
    public static function changedToggles(?self $before, self $after): array
    {
        $old = $before === null ? [] : $before->toggles;
        $keys = array_unique(array_merge(
            array_map('strval', array_keys($old)),
            array_map('strval', array_keys($after->toggles))
        ));
        sort($keys, SORT_STRING);
        $changed = [];
        foreach ($keys as $k) {
            $a = array_key_exists($k, $old) ? json_encode($old[$k]) : null;
            $b = array_key_exists($k, $after->toggles) ? json_encode($after->toggles[$k]) : null;
            if ($a !== $b) {
                $changed[] = $k;
            }
        }
        return $changed;
    }

    private function __construct()
    {
    }
}
