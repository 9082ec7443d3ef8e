<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * The client: the plugin contract of `ingest` for one installation. Two kinds of calls:
 *
 * - the checkout path (`isBlocked`, `toggle`, `debugEnabled`, `pendingNotices`,
 *   `upgradeAdvice`): reads of the last VERIFIED state, loaded once per PHP request from
 *   the state store; no network, never throws;
 * - telemetry (`refreshIfDue`, `heartbeat`, `pollConfig`, `flush`, `acknowledgeNotice`,
 *   `uninstalled`): each request bounded by the timeout (at most 2 s), nothing before
 *   consent, nothing before a `Retry-After`; they never throw either. Adapters call
 *   `refreshIfDue()` after the response was sent, or from a system cron.
 *
 * PHP has no background loop: the schedule (next heartbeat, next poll, backoff) is in
 * the state, shared by every worker of the shop, and a worker claims a refresh before
 * making its requests so that concurrent requests do not all poll at once.
 */
final class TelemetryClient
{
    public const VERSION = '0.1.0';

    private const DEFAULT_HEARTBEAT_SECS = 3600;
    /** The poll interval until a signed payload names one (the architecture's "within a minute"). */
    private const DEFAULT_POLL_MS = 60000;
    /** A refresh claim outlives a worker that died mid-refresh by this much at most. */
    private const CLAIM_MS = 10000;
    /** Rounds of one flush: each delivers or drops a batch, or the flush returns. */
    private const MAX_FLUSH_ROUNDS = 50;

    private Options $o;
    private bool $consent;
    private bool $finished = false;
    private ?ClientState $state = null;
    /** `state` is fresh and only in memory: nothing is stored yet (see persisted()). */
    private bool $unsaved = false;
    private ?VerifiedPayload $view = null;
    /** The payload `view` was verified from (false: not computed yet). */
    /** @var string|null|false */
    private $viewOf = false;
    private ?Identity $identity = null;
    private ?SignedPayloadVerifier $verifier = null;

    /**
     * @param array<string, mixed> $options see Options
     * @throws \InvalidArgumentException on a wrong option (at wiring time, never later)
     */
    public function __construct(array $options)
    {
        $this->o = Options::fromArray($options);
        $this->consent = $this->o->consent;
    }

    /**
     * This installation's id (given, or created once and kept in the state: asking for
     * it without one given stores the state, so that the id is the same next request).
     */
    public function installationId(): string
    {
        return $this->o->installationId ?? $this->persisted()->installationId;
    }

    // ------------------------------------------------------------------ the checkout path

    /** True while a verified, unexpired `block_plugin` toggle is on. No network. */
    public function isBlocked(): bool
    {
        return $this->toggle(Wire::BLOCK_PLUGIN) === true;
    }

    /**
     * A verified toggle's value, or null when absent or past its own expiry. No network.
     *
     * @return mixed
     */
    public function toggle(string $key)
    {
        try {
            $view = $this->view();
            return $view === null ? null : $view->toggleValue($key, $this->now());
        } catch (\Throwable $e) {
            return null; // a checkout never fails because of telemetry
        }
    }

    /** True while a verified, unexpired `enable_debug` toggle is on. No network. */
    public function debugEnabled(): bool
    {
        return $this->toggle(Wire::ENABLE_DEBUG) === true;
    }

    /**
     * Signed in-app notices not yet acknowledged, each once. No network.
     *
     * @return list<array<string, mixed>>
     */
    public function pendingNotices(): array
    {
        try {
            return $this->finished ? [] : $this->state()->pendingNotices();
        } catch (\Throwable $e) {
            return [];
        }
    }

    /**
     * The signed upgrade advice (latest version, required, package URL), or null.
     *
     * @return array<string, mixed>|null
     */
    public function upgradeAdvice(): ?array
    {
        try {
            return $this->finished ? null : $this->state()->upgrade;
        } catch (\Throwable $e) {
            return null;
        }
    }

    // -------------------------------------------------------------------- the merchant's say

    /** Consent given or withdrawn. Withdrawing drops the queued events. */
    public function setConsent(bool $consent): void
    {
        $this->consent = $consent;
        if (!$consent && !$this->finished) {
            $this->quietly(function (): void {
                $this->mutate(static function (ClientState $s): void {
                    $s->queue = [];
                    $s->heartbeatId = null;
                });
            });
        }
    }

    public function hasConsent(): bool
    {
        return $this->consent;
    }

    // ----------------------------------------------------------------------- recording

    /**
     * Queues an `error` event (sent with the next refresh) and counts it for the
     * heartbeat. Writes the state (a short locked write, no network): call it where the
     * error happens, even in a checkout. `$occurredAtMs` (ms since the epoch) is when it
     * happened, for an error counted earlier and recorded now (default: now).
     */
    public function recordError(string $code, ?string $message = null, ?int $occurredAtMs = null): void
    {
        if (!$this->consent || $this->finished) {
            return;
        }
        $this->quietly(function () use ($code, $message, $occurredAtMs): void {
            $at = $occurredAtMs ?? $this->now();
            $errorCode = substr($code, 0, 128);
            if ($errorCode === '') {
                $errorCode = 'unknown';
            }
            $this->mutate(function (ClientState $s) use ($at, $errorCode, $message): void {
                $s->errorsByMinute = ClientState::bump($s->errorsByMinute, $at);
                $s->lastErrorCode = $errorCode;
                $e = ClientState::event('error', $at);
                $e['error_code'] = $errorCode;
                if ($message !== null) {
                    $e['message'] = self::cut($message, 1024);
                }
                $s->enqueue($e);
            });
        });
    }

    /**
     * Counts `$count` handled requests for the heartbeat's `requests_last_hour`, in one
     * state write; `$occurredAtMs` is when they were handled (default: now), for counts
     * kept elsewhere and recorded later.
     */
    public function recordRequest(int $count = 1, ?int $occurredAtMs = null): void
    {
        if (!$this->consent || $this->finished || $count <= 0) {
            return;
        }
        $this->quietly(function () use ($count, $occurredAtMs): void {
            $at = $occurredAtMs ?? $this->now();
            $this->mutate(static function (ClientState $s) use ($at, $count): void {
                $s->requestsByMinute = ClientState::bump($s->requestsByMinute, $at, $count);
            });
        });
    }

    /**
     * Queues a lifecycle event for the next refresh (or flush()): `activation`,
     * `deactivation`, `upgrade_started`, `upgrade_succeeded`, `upgrade_failed`
     * (Wire::RECORDABLE_EVENT_TYPES; `error` is recordError(), the others the client
     * sends itself). `$fields` may hold the event's own strings (Wire::EVENT_FIELDS:
     * `from_version`, `to_version`, `message`, `error_code`) and `data` (string values).
     * Nothing before consent. Returns whether it was queued; never throws.
     *
     * @param array<string, mixed> $fields
     */
    public function recordEvent(string $type, array $fields = [], ?int $occurredAtMs = null): bool
    {
        if (!in_array($type, Wire::RECORDABLE_EVENT_TYPES, true)) {
            $this->warn("event type {$type} cannot be recorded; not queued");
            return false;
        }
        if (!$this->consent || $this->finished) {
            return false;
        }
        $queued = false;
        $this->quietly(function () use ($type, $fields, $occurredAtMs, &$queued): void {
            $e = ClientState::event($type, $occurredAtMs ?? $this->now());
            foreach (Wire::EVENT_FIELDS as $name => $max) {
                if (is_string($fields[$name] ?? null) && $fields[$name] !== '') {
                    $e[$name] = self::cut($fields[$name], $max);
                }
            }
            if (is_array($fields['data'] ?? null)) {
                $e['data'] = array_map('strval', array_filter($fields['data'], 'is_scalar'));
            }
            $this->mutate(static function (ClientState $s) use ($e): void {
                $s->enqueue($e);
            });
            $queued = true;
        });
        return $queued;
    }

    // ----------------------------------------------------------------------- telemetry

    /**
     * What is due, if anything: a heartbeat when one is due (the server's
     * `next_heartbeat_in_secs`), else a config poll when the poll interval has passed,
     * then the queued events. Returns at once (reason `not_due`, `backing_off`,
     * `in_progress`) when nothing is to be done or another worker is doing it. Call it
     * after the response was sent (fastcgi_finish_request) or from a cron.
     */
    public function refreshIfDue(): CallResult
    {
        return $this->guarded(function (): CallResult {
            $closed = $this->closed();
            if ($closed !== null) {
                return $closed;
            }
            $this->reload(); // another worker may have refreshed meanwhile
            $now = $this->now();
            $s = $this->state();
            if ($s->retryAt > $now) {
                return CallResult::failure(CallResult::BACKING_OFF, null, $s->retryAt - $now);
            }
            if (!$this->due($s, $now)) {
                return CallResult::failure(CallResult::NOT_DUE);
            }
            $claimed = $this->mutate(function (ClientState $s) use ($now): bool {
                if ($s->refreshClaimedUntil > $now || $s->retryAt > $now || !$this->due($s, $now)) {
                    return false;
                }
                $s->refreshClaimedUntil = $now + self::CLAIM_MS;
                $s->nextPollAt = $now + (int) round($this->pollIntervalMs() * (0.9 + 0.2 * ($this->o->random)()));
                return true;
            });
            if ($claimed !== true) {
                return CallResult::failure(CallResult::IN_PROGRESS);
            }
            try {
                $result = $now >= $this->state()->nextHeartbeatAt ? $this->heartbeat() : $this->pollConfig();
                if (!$this->finished && $this->state()->queue !== [] && $this->state()->retryAt <= $this->now()) {
                    $flushed = $this->flushQueue();
                    if ($result->ok() && !$flushed->ok()) {
                        $result = $flushed;
                    }
                }
            } finally {
                if (!$this->finished) {
                    $this->mutate(static function (ClientState $s): void {
                        $s->refreshClaimedUntil = 0;
                    });
                }
            }
            return $result;
        });
    }

    /**
     * When `refreshIfDue()` will next have something to do (ms since the epoch, on the
     * client's clock), for a worker or cron deciding when to wake up.
     */
    public function nextRefreshAt(): int
    {
        if ($this->finished) {
            return PHP_INT_MAX;
        }
        $s = $this->state();
        return max($s->retryAt, min($s->nextHeartbeatAt, $s->nextPollAt));
    }

    /** `POST /api/v1/plugins/heartbeat` with the full body; its answer refreshes toggles, notices and advice. */
    public function heartbeat(): CallResult
    {
        return $this->guarded(function (): CallResult {
            $closed = $this->closed();
            if ($closed !== null) {
                return $closed;
            }
            $now = $this->now();
            $identity = $this->identity();
            $body = $this->mutate(static function (ClientState $s) use ($now, $identity): array {
                // Kept until a 202: every retry of this heartbeat, by any worker, carries it.
                if ($s->heartbeatId === null) {
                    $s->heartbeatId = Uuid::v4();
                }
                return $identity->heartbeatBody(
                    $s->heartbeatId,
                    $s->requestsByMinute === [] ? null : ClientState::lastHour($s->requestsByMinute, $now),
                    ClientState::lastHour($s->errorsByMinute, $now),
                    $s->lastErrorCode,
                    $now
                );
            });
            $r = $this->request('POST', Wire::HEARTBEAT_PATH, self::json($body), null);
            if ($r instanceof CallResult) {
                return $r;
            }
            if ($r->status() !== 202) {
                return $this->failed($r);
            }
            $answer = AnswerParser::heartbeatAnswer($r->body());
            $refused = $this->mutate(function (ClientState $s) use ($answer): ?string {
                $this->succeeded($s);
                $s->heartbeatId = null;
                $secs = $answer === null ? null : $answer->nextHeartbeatInSecs;
                $s->nextHeartbeatAt = $this->now()
                    + ($this->o->heartbeatIntervalMs ?? ($secs ?? self::DEFAULT_HEARTBEAT_SECS) * 1000);
                return $answer === null ? null : $this->apply($s, $answer, null);
            });
            return CallResult::success(202)->withRefused($refused);
        });
    }

    /** `GET /api/v1/plugins/config` with `If-None-Match`; a 304 keeps the cached state. */
    public function pollConfig(): CallResult
    {
        return $this->guarded(function (): CallResult {
            $closed = $this->closed();
            if ($closed !== null) {
                return $closed;
            }
            $now = $this->now();
            // The ETag vouches for the payload it came with only until one of its toggles
            // (or the payload) ends: from then on ask for a full answer.
            $view = $this->view();
            $etag = $this->state()->etag;
            if ($etag !== null && ($view === null || $now >= $view->nextExpiry())) {
                $etag = null;
            }
            $r = $this->request('GET', Wire::CONFIG_PATH . '?' . $this->identity()->configQuery(), null, $etag);
            if ($r instanceof CallResult) {
                return $r;
            }
            if ($r->status() === 304) {
                $this->mutate(function (ClientState $s): void {
                    $this->succeeded($s);
                });
                return CallResult::success(304)->withNotModified();
            }
            if ($r->status() !== 200) {
                return $this->failed($r);
            }
            $answer = AnswerParser::configAnswer($r->body());
            if ($answer === null) {
                return $this->failed($r, CallResult::BAD_ANSWER);
            }
            $newEtag = $r->header('etag');
            $refused = $this->mutate(function (ClientState $s) use ($answer, $newEtag): ?string {
                $this->succeeded($s);
                return $this->apply($s, $answer, $newEtag);
            });
            return CallResult::success(200)->withRefused($refused);
        });
    }

    /** Sends the queued events now, in batches of up to 100, each once by its `event_id`. */
    public function flush(): CallResult
    {
        return $this->guarded(function (): CallResult {
            $this->reload();
            return $this->flushQueue();
        });
    }

    /**
     * Hides the notice at once and sends `notice_acknowledged` with its id (which stops
     * Ops' e-mail and SMS escalation). Makes a request: call it from the admin action.
     */
    public function acknowledgeNotice(string $noticeId): CallResult
    {
        if ($noticeId === '' || strlen($noticeId) > 64) {
            return CallResult::failure(CallResult::INVALID_ARGUMENT);
        }
        return $this->guarded(function () use ($noticeId): CallResult {
            $now = $this->now();
            $send = $this->consent && !$this->finished;
            $this->mutate(static function (ClientState $s) use ($noticeId, $now, $send): void {
                if (!in_array($noticeId, $s->acknowledged, true)) {
                    $s->acknowledged[] = $noticeId;
                }
                if ($send) {
                    $e = ClientState::event('notice_acknowledged', $now);
                    $e['notice_id'] = $noticeId;
                    $s->enqueue($e);
                }
            });
            return $this->flushQueue();
        });
    }

    /**
     * Sends the queued events, then `uninstalled`. Once ingest accepted it (now, or later
     * from the queue), nothing more is sent and the state is removed.
     */
    public function uninstalled(): CallResult
    {
        return $this->guarded(function (): CallResult {
            $closed = $this->closed();
            if ($closed !== null) {
                return $closed;
            }
            $now = $this->now();
            $this->mutate(static function (ClientState $s) use ($now): void {
                if (!$s->hasQueued('uninstalled')) {
                    $s->enqueue(ClientState::event('uninstalled', $now));
                }
            });
            return $this->flushQueue();
        });
    }

    // ------------------------------------------------------------------------ internals

    private function closed(): ?CallResult
    {
        if ($this->finished) {
            return CallResult::failure(CallResult::UNINSTALLED);
        }
        if (!$this->consent) {
            return CallResult::failure(CallResult::NO_CONSENT);
        }
        return null;
    }

    private function due(ClientState $s, int $now): bool
    {
        return $now >= $s->nextHeartbeatAt || $now >= $s->nextPollAt;
    }

    private function flushQueue(): CallResult
    {
        $closed = $this->closed();
        if ($closed !== null) {
            return $closed;
        }
        $delivered = 0;
        for ($round = 0; $round < self::MAX_FLUSH_ROUNDS; $round++) {
            $batch = $this->state()->nextBatch();
            if ($batch === []) {
                break;
            }
            $identity = $this->identity();
            $body = self::json(['events' => array_map(static function (array $e) use ($identity): array {
                return $identity->eventBody($e);
            }, $batch)]);
            $r = $this->request('POST', Wire::EVENT_PATH, $body, null);
            if ($r instanceof CallResult) {
                return $r->withDelivered($delivered);
            }
            $ids = array_column($batch, 'event_id');
            if ($r->status() === 202) {
                $this->mutate(function (ClientState $s) use ($ids): void {
                    $this->succeeded($s);
                    $s->withoutEvents($ids);
                });
                $delivered += count($batch);
                if (in_array('uninstalled', array_column($batch, 'type'), true)) {
                    $this->finish();
                    return CallResult::success(202)->withDelivered($delivered);
                }
                continue;
            }
            if ($r->status() === 400 || $r->status() === 422) {
                // A batch is all or nothing: drop the event ingest named, or the batch,
                // so one malformed event cannot block the queue forever.
                $error = AnswerParser::serverError($r->body());
                $index = ClientState::refusedEventIndex($error['field'] ?? null);
                $refused = $index !== null && isset($ids[$index]) ? [$ids[$index]] : $ids;
                $this->warn(
                    'ingest refused ' . count($refused) . ' event(s); dropped',
                    null,
                    ['code' => $error['code'] ?? null]
                );
                $this->mutate(static function (ClientState $s) use ($refused): void {
                    $s->withoutEvents($refused);
                });
                continue;
            }
            return $this->failed($r)->withDelivered($delivered);
        }
        return CallResult::success()->withDelivered($delivered);
    }

    /**
     * An answer from ingest, applied to `$s` (inside a state update): act on its signed
     * payload only once verified. A refused payload keeps the last verified state (the
     * answer's unsigned notices and advice are not trusted either) and is reported once
     * until a payload is accepted. Returns the refusal, or null.
     */
    private function apply(ClientState $s, PluginAnswer $answer, ?string $etag): ?string
    {
        $before = $this->storedView($s);
        $v = $this->verifier()->verify(
            $answer->signedToggles,
            $this->merchantOf($s),
            $this->now(),
            $before === null ? null : $before->issuedAt,
            true
        );
        $p = $v->payload;
        if (!$v->ok() || $p === null || $v->signed === null) {
            $s->etag = null;
            $this->warn("signed toggles refused ({$v->refusal}); keeping the last verified state");
            if (!$s->refusalReported) {
                $s->refusalReported = true;
                $e = ClientState::event('error', $this->now());
                $e['error_code'] = Wire::TOGGLE_SIGNATURE_INVALID;
                $e['data'] = ['reason' => (string) $v->refusal];
                $s->enqueue($e);
            }
            return $v->refusal;
        }
        $changed = VerifiedPayload::changedToggles($before, $p);
        $s->signed = $v->signed;
        $s->issuedAt = $p->issuedAt;
        $s->etag = $etag;
        $s->refusalReported = false;
        if ($this->o->merchantId === null && $p->merchantId !== null && $this->merchantOf($s) === null) {
            $s->merchantId = strtolower($p->merchantId);
            $s->merchantKey = $this->keyFingerprint();
        }
        foreach ($changed as $key) {
            $e = ClientState::event('toggle_applied', $this->now());
            $e['toggle_key'] = substr($key, 0, 64);
            $e['data'] = ['value' => array_key_exists($key, $p->toggles) ? self::json($p->toggles[$key]) : 'removed'];
            $s->enqueue($e);
        }
        // The signed copies when the payload carries them (current servers), else the
        // answer's own (a server from before they were signed; the payload still verified).
        $s->withNotices($p->notices ?? $answer->notices);
        $s->upgrade = $p->hasUpgrade ? $p->upgrade : $answer->upgrade;
        return null;
    }

    /** The verified payload of the state in memory, verified once per payload. */
    private function view(): ?VerifiedPayload
    {
        if ($this->finished) {
            return null;
        }
        $s = $this->state();
        $payload = $s->signed['payload'] ?? null;
        if ($this->viewOf !== $payload) {
            $this->view = $this->storedView($s);
            $this->viewOf = $payload;
        }
        return $this->view;
    }

    /**
     * A state's own last verified payload, verified again: its signature, installation
     * and merchant, not its age (it is what a shop keeps while ingest is unreachable).
     */
    private function storedView(ClientState $s): ?VerifiedPayload
    {
        if ($s->signed === null) {
            return null;
        }
        $v = $this->verifier()->verify($s->signed, $this->merchantOf($s), $this->now(), null, false);
        if (!$v->ok()) {
            $this->warn("stored signed toggles refused ({$v->refusal}); acting as if there were none");
            return null;
        }
        return $v->payload;
    }

    /** The client's merchant: configured, or learned with the current API key. */
    private function merchantOf(ClientState $s): ?string
    {
        if ($this->o->merchantId !== null) {
            return $this->o->merchantId;
        }
        return $s->merchantKey === $this->keyFingerprint() ? $s->merchantId : null;
    }

    /** A short one-way fingerprint of the API key (to notice it changed; never the key). */
    private function keyFingerprint(): string
    {
        return substr(hash('sha256', $this->o->apiKey), 0, 16);
    }

    /**
     * The poll period: the signed `poll_interval_secs`, or the option when it is shorter
     * (a client may poll more often than told, never less often).
     */
    private function pollIntervalMs(): int
    {
        $view = $this->view();
        $told = $view === null ? null : $view->pollIntervalSecs;
        $server = $told === null ? null : min(86400000, max(1000, $told * 1000));
        $own = $this->o->pollIntervalMs;
        if ($own !== null && $server !== null) {
            return min($own, $server);
        }
        return $own ?? $server ?? self::DEFAULT_POLL_MS;
    }

    /**
     * One request, or why there was none / no answer. 429 and 503 set the Retry-After gate.
     *
     * @return HttpResponse|CallResult
     */
    private function request(string $method, string $path, ?string $body, ?string $etag)
    {
        $before = $this->now();
        $retryAt = $this->state()->retryAt;
        if ($retryAt > $before) {
            return CallResult::failure(CallResult::BACKING_OFF, null, $retryAt - $before);
        }
        $headers = [
            'authorization' => 'Bearer ' . $this->o->apiKey,
            'accept' => 'application/json',
            'user-agent' => 'plugin-telemetry-php/' . self::VERSION . ' php/' . PHP_VERSION,
        ];
        if ($body !== null) {
            $headers['content-type'] = 'application/json';
        }
        if ($etag !== null) {
            $headers['if-none-match'] = $etag;
        }
        try {
            $url = $this->o->baseUrl . $path;
            $response = $this->o->transport->send($method, $url, $headers, $body, $this->o->requestTimeoutMs);
        } catch (\Throwable $e) {
            $kind = $e instanceof TransportException ? $e->kind() : TransportException::NETWORK;
            $this->debug("request failed: {$kind}", ['path' => explode('?', $path, 2)[0]]);
            if (!$e instanceof TransportException) {
                $this->warn('the transport failed unexpectedly', $e); // a broken custom transport must show
            }
            $wait = $this->mutate(function (ClientState $s): int {
                return $this->backOff($s);
            });
            return CallResult::failure($kind, null, $wait);
        }
        $status = $response->status();
        if ($status === 429 || $status === 503) {
            $now = $this->now();
            $retryAfter = Backoff::parseRetryAfter($response->header('retry-after'), $now);
            $wait = $this->mutate(function (ClientState $s) use ($retryAfter, $now): int {
                if ($retryAfter === null) {
                    return $this->backOff($s);
                }
                $s->retryAt = $now + $retryAfter;
                return $retryAfter;
            });
            $error = AnswerParser::serverError($response->body());
            return CallResult::failure(CallResult::HTTP, $status, $wait, $error['code'] ?? null);
        }
        return $response;
    }

    private function failed(HttpResponse $r, string $reason = CallResult::HTTP): CallResult
    {
        $wait = $this->mutate(function (ClientState $s): int {
            return $this->backOff($s);
        });
        $error = AnswerParser::serverError($r->body());
        $this->debug("ingest answered {$r->status()}", ['code' => $error['code'] ?? null]);
        return CallResult::failure($reason, $r->status(), $wait, $error['code'] ?? null);
    }

    private function backOff(ClientState $s): int
    {
        $s->failures += 1;
        $wait = Backoff::delay($s->failures, $this->o->backoffBaseMs, $this->o->backoffMaxMs, $this->o->random);
        $s->retryAt = $this->now() + $wait;
        return $wait;
    }

    private function succeeded(ClientState $s): void
    {
        $s->failures = 0;
        $s->retryAt = 0;
    }

    /** After ingest accepted `uninstalled`: nothing more is sent and the state is removed. */
    private function finish(): void
    {
        $this->finished = true;
        $this->view = null;
        try {
            $this->o->store->clear();
        } catch (\Throwable $e) {
            $this->warn('state not removed', $e);
        }
    }

    /** The state of this request: read once; a fresh one in memory when none is stored. */
    private function state(): ClientState
    {
        if ($this->state === null) {
            $this->state = $this->loadState();
        }
        return $this->state;
    }

    /**
     * The state, stored: a fresh one (no state yet, or a damaged one) is created in the
     * store first, under its lock, so that two workers starting at once agree on one
     * installation id (the one stored first wins). Every write goes through here; reads
     * never do.
     */
    private function persisted(): ClientState
    {
        $s = $this->state();
        if (!$this->unsaved || $this->finished) {
            return $s;
        }
        $created = null;
        try {
            $this->o->store->update(function (?array $stored) use ($s, &$created): array {
                $created = ClientState::restore($stored, $this->o->installationId) ?? $s;
                return $created->toArray();
            });
        } catch (\Throwable $e) {
            $this->warn('state not saved', $e);
        }
        if ($created !== null) {
            $this->state = $created;
            $this->unsaved = false;
        }
        return $this->state;
    }

    /** Reads the stored state again (another worker may have changed it). */
    private function reload(): void
    {
        if ($this->finished) {
            return;
        }
        $known = $this->o->installationId
            ?? ($this->state === null || $this->unsaved ? null : $this->state->installationId);
        try {
            $fresh = ClientState::restore($this->o->store->load(), $known);
        } catch (\Throwable $e) {
            $fresh = null;
        }
        if ($fresh !== null) {
            $this->state = $fresh;
            $this->unsaved = false;
        }
    }

    /**
     * The stored state, or a fresh one kept in memory only (the first request ever, or
     * a damaged state): a read, at checkout too, never writes; persisted() does, with
     * the first change.
     */
    private function loadState(): ClientState
    {
        try {
            $s = ClientState::restore($this->o->store->load(), $this->o->installationId);
        } catch (\Throwable $e) {
            $this->warn('state not readable; starting empty', $e);
            $s = null;
        }
        $this->unsaved = $s === null;
        return $s ?? new ClientState($this->o->installationId ?? Uuid::v4());
    }

    /**
     * Applies `$change` to the stored state (read again under the store's lock, so what
     * other workers wrote meanwhile is kept) and adopts the result. When the store
     * fails, the change is applied in memory only: this request still behaves.
     *
     * @template T
     * @param callable(ClientState): T $change
     * @return T
     */
    private function mutate(callable $change)
    {
        $current = $this->persisted(); // before taking the lock: creating the state takes it too
        if ($this->finished) {
            return $change($current); // nothing is stored after an uninstall
        }
        $next = null;
        $result = null;
        try {
            $this->o->store->update(function (?array $stored) use ($change, $current, &$next, &$result): array {
                $next = ClientState::restore($stored, $current->installationId) ?? $current;
                $result = $change($next);
                return $next->toArray();
            });
        } catch (\Throwable $e) {
            $this->warn('state not saved', $e);
            if ($next === null) {
                $next = $current;
                $result = $change($next);
            }
        }
        $this->state = $next;
        return $result;
    }

    /**
     * @param callable(): CallResult $call
     */
    private function guarded(callable $call): CallResult
    {
        try {
            return $call();
        } catch (\Throwable $e) {
            $this->warn('telemetry call failed', $e);
            return CallResult::failure(CallResult::STORAGE);
        }
    }

    private function quietly(callable $fn): void
    {
        try {
            $fn();
        } catch (\Throwable $e) {
            $this->warn('telemetry call failed', $e);
        }
    }

    private function identity(): Identity
    {
        if ($this->identity === null) {
            $this->identity = new Identity(
                $this->installationId(),
                $this->o->merchantId,
                $this->o->cms,
                $this->o->pluginVersion,
                $this->o->cmsVersion,
                PHP_VERSION,
                $this->o->siteHost,
                $this->o->environment,
                ['sdk' => 'plugin-telemetry/core ' . self::VERSION, 'os' => PHP_OS_FAMILY, 'sapi' => PHP_SAPI]
            );
        }
        return $this->identity;
    }

    private function verifier(): SignedPayloadVerifier
    {
        if ($this->verifier === null) {
            $this->verifier = new SignedPayloadVerifier(
                $this->o->pinnedKeys,
                $this->installationId(),
                $this->o->cms,
                $this->o->pluginVersion
            );
        }
        return $this->verifier;
    }

    private function now(): int
    {
        return (int) ($this->o->clock)();
    }

    /** At most `$bytes` bytes of `$text`, never half a character. */
    private static function cut(string $text, int $bytes): string
    {
        return function_exists('mb_strcut') ? mb_strcut($text, 0, $bytes, 'UTF-8') : substr($text, 0, $bytes);
    }

    /** @param mixed $v */
    private static function json($v): string
    {
        $json = json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        return $json === false ? 'null' : $json;
    }

    /** @param array<string, mixed> $context */
    private function warn(string $message, ?\Throwable $e = null, array $context = []): void
    {
        if ($e !== null) {
            $context['error'] = $e->getMessage();
        }
        try {
            $this->o->logger->warning($message, $context);
        } catch (\Throwable $ignored) {
            // a logger must not break telemetry
        }
    }

    /** @param array<string, mixed> $context */
    private function debug(string $message, array $context = []): void
    {
        try {
            $this->o->logger->debug($message, $context);
        } catch (\Throwable $ignored) {
            // a logger must not break telemetry
        }
    }
}
