<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * What the client keeps between requests (one document, written by a StateStore): the
 * last VERIFIED signed payload as received (verified again when read back), the ETag
 * that goes with it, notices, the durable event queue, backoff, counters and when the
 * next refresh is due. The API key is never part of it. The field names are the
 * TypeScript SDK's state file's, plus `next_poll_at` and `refresh_claimed_until`: PHP
 * has no loop of its own, so the schedule lives here and is shared by every worker.
 */
final class ClientState
{
    public const VERSION = 1;
    /** Events kept while ingest is unreachable; beyond it the oldest are dropped. */
    public const MAX_QUEUED_EVENTS = 1000;

    public string $installationId;
    /** @var array{payload: string, signature: string, key_id: string, algorithm: string}|null */
    public ?array $signed = null;
    /** `issued_at` (ms) of `signed`: an older payload is refused as a replay. */
    public ?int $issuedAt = null;
    /** ETag of the config answer that carried `signed` (null after any other source). */
    public ?string $etag = null;
    /** @var list<array<string, mixed>> */
    public array $notices = [];
    /** @var list<string> acknowledged here, possibly still listed by the server a moment */
    public array $acknowledged = [];
    /** @var array<string, mixed>|null */
    public ?array $upgrade = null;
    /** @var list<array<string, mixed>> events not yet accepted by ingest, oldest first */
    public array $queue = [];
    /** A refusal was reported since the last accepted payload (report once). */
    public bool $refusalReported = false;
    /** No request before this (ms since the epoch). */
    public int $retryAt = 0;
    /** Consecutive failures, for exponential backoff. */
    public int $failures = 0;
    public int $nextHeartbeatAt = 0;
    public int $nextPollAt = 0;
    /** A worker is refreshing until then; others do not start the same requests. */
    public int $refreshClaimedUntil = 0;
    /** The pending heartbeat's idempotency id, kept until a 202. */
    public ?string $heartbeatId = null;
    /** @var array<string, int> minute index (ms / 60000) => count, the last hour only */
    public array $errorsByMinute = [];
    /** @var array<string, int> */
    public array $requestsByMinute = [];
    public ?string $lastErrorCode = null;
    /** The merchant named by the first accepted payload when the options name none... */
    public ?string $merchantId = null;
    /** ...and a fingerprint of the API key it came with (a new key may mean a new merchant). */
    public ?string $merchantKey = null;

    public function __construct(string $installationId)
    {
        $this->installationId = $installationId;
    }

    /**
     * A state read back from storage, field by field: what is missing or malformed gets
     * its default (a damaged file never stops the client; at worst it forgets). Null
     * when it is not a state of this version, or of another installation. The signed
     * payload is NOT trusted here: the client verifies it again.
     *
     * @param array<string, mixed>|null $r
     */
    public static function restore(?array $r, ?string $installationId): ?self
    {
        if ($r === null || ($r['v'] ?? null) !== self::VERSION || !is_string($r['installation_id'] ?? null)) {
            return null;
        }
        if ($installationId !== null && strtolower($r['installation_id']) !== strtolower($installationId)) {
            return null;
        }
        $s = new self($r['installation_id']);
        $s->signed = SignedPayloadVerifier::asSigned($r['signed'] ?? null);
        $s->issuedAt = is_int($r['issued_at'] ?? null) ? $r['issued_at'] : null;
        $s->etag = is_string($r['etag'] ?? null) ? $r['etag'] : null;
        $s->notices = AnswerParser::notices($r['notices'] ?? null);
        $s->acknowledged = array_values(array_filter(
            is_array($r['acknowledged'] ?? null) ? $r['acknowledged'] : [],
            'is_string'
        ));
        $s->upgrade = AnswerParser::upgrade($r['upgrade'] ?? null);
        $queue = [];
        foreach (is_array($r['queue'] ?? null) ? $r['queue'] : [] as $e) {
            $event = self::queuedEvent($e);
            if ($event !== null) {
                $queue[] = $event;
            }
        }
        $s->queue = array_slice($queue, -self::MAX_QUEUED_EVENTS);
        $s->refusalReported = ($r['refusal_reported'] ?? false) === true;
        $s->retryAt = self::int($r['retry_at'] ?? null);
        $s->failures = max(0, self::int($r['failures'] ?? null));
        $s->nextHeartbeatAt = self::int($r['next_heartbeat_at'] ?? null);
        $s->nextPollAt = self::int($r['next_poll_at'] ?? null);
        $s->refreshClaimedUntil = self::int($r['refresh_claimed_until'] ?? null);
        $s->heartbeatId = is_string($r['heartbeat_id'] ?? null) ? $r['heartbeat_id'] : null;
        $s->errorsByMinute = self::counts($r['errors_by_minute'] ?? null);
        $s->requestsByMinute = self::counts($r['requests_by_minute'] ?? null);
        $s->lastErrorCode = is_string($r['last_error_code'] ?? null) ? $r['last_error_code'] : null;
        $s->merchantId = is_string($r['merchant_id'] ?? null) ? $r['merchant_id'] : null;
        $s->merchantKey = is_string($r['merchant_key'] ?? null) ? $r['merchant_key'] : null;
        return $s;
    }

    /** @return array<string, mixed> */
    public function toArray(): array
    {
        return [
            'v' => self::VERSION,
            'installation_id' => $this->installationId,
            'signed' => $this->signed,
            'issued_at' => $this->issuedAt,
            'etag' => $this->etag,
            'notices' => $this->notices,
            'acknowledged' => $this->acknowledged,
            'upgrade' => $this->upgrade,
            'queue' => $this->queue,
            'refusal_reported' => $this->refusalReported,
            'retry_at' => $this->retryAt,
            'failures' => $this->failures,
            'next_heartbeat_at' => $this->nextHeartbeatAt,
            'next_poll_at' => $this->nextPollAt,
            'refresh_claimed_until' => $this->refreshClaimedUntil,
            'heartbeat_id' => $this->heartbeatId,
            'errors_by_minute' => (object) $this->errorsByMinute,
            'requests_by_minute' => (object) $this->requestsByMinute,
            'last_error_code' => $this->lastErrorCode,
            'merchant_id' => $this->merchantId,
            'merchant_key' => $this->merchantKey,
        ];
    }

    // ----------------------------------------------------------------- the event queue

    /**
     * A new event; `event_id` is its idempotency id: ingest stores an id once, so a
     * batch whose answer was lost is sent again as it was.
     *
     * @return array<string, mixed>
     */
    public static function event(string $type, int $now): array
    {
        return ['event_id' => Uuid::v4(), 'type' => $type, 'occurred_at' => Rfc3339::format($now)];
    }

    /** @param array<string, mixed> $event appended; the oldest are dropped beyond the cap */
    public function enqueue(array $event): void
    {
        $this->queue[] = $event;
        if (count($this->queue) > self::MAX_QUEUED_EVENTS) {
            $this->queue = array_slice($this->queue, -self::MAX_QUEUED_EVENTS);
        }
    }

    /** @return list<array<string, mixed>> */
    public function nextBatch(int $max = Wire::MAX_EVENTS_PER_BATCH): array
    {
        return array_slice($this->queue, 0, max(1, $max));
    }

    /**
     * Removes the events ingest accepted, by id (the queue may have grown meanwhile, in
     * this process or another).
     *
     * @param list<string> $ids
     */
    public function withoutEvents(array $ids): void
    {
        $gone = array_flip($ids);
        $this->queue = array_values(array_filter($this->queue, static function (array $e) use ($gone): bool {
            return !isset($gone[$e['event_id']]);
        }));
    }

    public function hasQueued(string $type): bool
    {
        foreach ($this->queue as $e) {
            if ($e['type'] === $type) {
                return true;
            }
        }
        return false;
    }

    /**
     * The index of the event ingest refused in a batch (`field` is `events[3].type`), so
     * a malformed event is dropped instead of blocking the queue forever.
     */
    public static function refusedEventIndex(?string $field): ?int
    {
        if ($field === null || preg_match('/^events\[(\d+)\]/', $field, $m) !== 1) {
            return null;
        }
        return (int) $m[1];
    }

    // ----------------------------------------------------------------- hourly counters

    /**
     * @param array<string, int> $counter
     * @return array<string, int> `$count` more at `$now`, minutes older than an hour forgotten
     */
    public static function bump(array $counter, int $now, int $count = 1): array
    {
        $current = intdiv($now, 60000);
        $next = [];
        foreach ($counter as $minute => $n) {
            if ((int) $minute > $current - 60) {
                $next[(string) $minute] = $n;
            }
        }
        $next[(string) $current] = ($next[(string) $current] ?? 0) + max(0, $count);
        return $next;
    }

    /** @param array<string, int> $counter */
    public static function lastHour(array $counter, int $now): int
    {
        $current = intdiv($now, 60000);
        $total = 0;
        foreach ($counter as $minute => $count) {
            if ((int) $minute > $current - 60 && (int) $minute <= $current) {
                $total += $count;
            }
        }
        return $total;
    }

    // ------------------------------------------------------------------------- notices

    /** @return list<array<string, mixed>> listed by the server and not acknowledged here */
    public function pendingNotices(): array
    {
        $acked = array_flip($this->acknowledged);
        return array_values(array_filter($this->notices, static function (array $n) use ($acked): bool {
            return !isset($acked[$n['notice_id']]);
        }));
    }

    /**
     * A new notice list from a verified payload. A local acknowledgement is forgotten
     * once the server stops listing the notice (its `notice_acknowledged` arrived).
     *
     * @param list<array<string, mixed>> $listed
     */
    public function withNotices(array $listed): void
    {
        $ids = [];
        foreach ($listed as $n) {
            $ids[$n['notice_id']] = true;
        }
        $this->notices = $listed;
        $stillListed = static function (string $a) use ($ids): bool {
            return isset($ids[$a]);
        };
        $this->acknowledged = array_values(array_filter($this->acknowledged, $stillListed));
    }

    // ------------------------------------------------------------------------ internals

    /**
     * @param mixed $v
     * @return array<string, mixed>|null
     */
    private static function queuedEvent($v): ?array
    {
        if (
            !is_array($v) || !is_string($v['event_id'] ?? null) || !is_string($v['type'] ?? null)
            || !is_string($v['occurred_at'] ?? null)
        ) {
            return null;
        }
        $e = ['event_id' => $v['event_id'], 'type' => $v['type'], 'occurred_at' => $v['occurred_at']];
        foreach (array_keys(Wire::EVENT_FIELDS) as $k) {
            if (is_string($v[$k] ?? null)) {
                $e[$k] = $v[$k];
            }
        }
        if (is_array($v['data'] ?? null)) {
            $e['data'] = array_filter($v['data'], 'is_string');
        }
        return $e;
    }

    /** @param mixed $v */
    private static function int($v): int
    {
        return is_int($v) ? $v : (is_float($v) && is_finite($v) ? (int) $v : 0);
    }

    /**
     * @param mixed $v
     * @return array<string, int>
     */
    private static function counts($v): array
    {
        $out = [];
        if (is_array($v)) {
            foreach ($v as $k => $c) {
                if (preg_match('/^\d+$/', (string) $k) === 1 && is_int($c) && $c > 0) {
                    $out[(string) $k] = $c;
                }
            }
        }
        return $out;
    }
}
