<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * What a telemetry call did. Telemetry calls never throw: they return one of these.
 * `reason` (when not ok) is one of the REASON_* words, the TypeScript SDK's.
 */
final class CallResult
{
    public const NO_CONSENT = 'no_consent';
    public const UNINSTALLED = 'uninstalled';
    public const BACKING_OFF = 'backing_off';
    public const TIMEOUT = 'timeout';
    public const NETWORK = 'network';
    public const HTTP = 'http';
    public const BAD_ANSWER = 'bad_answer';
    public const INVALID_ARGUMENT = 'invalid_argument';
    /** PHP only: another worker is refreshing right now (refreshIfDue). */
    public const IN_PROGRESS = 'in_progress';
    /** PHP only: refreshIfDue found nothing due. */
    public const NOT_DUE = 'not_due';
    /** PHP only: the state could not be written (see the logger). */
    public const STORAGE = 'storage';

    private bool $ok;
    private ?int $status = null;
    private ?string $reason = null;
    private ?string $code = null;
    private ?int $retryAfterMs = null;
    private bool $notModified = false;
    private ?string $refused = null;
    private ?int $delivered = null;

    private function __construct(bool $ok)
    {
        $this->ok = $ok;
    }

    public static function success(?int $status = null): self
    {
        $r = new self(true);
        $r->status = $status;
        return $r;
    }

    public static function failure(
        string $reason,
        ?int $status = null,
        ?int $retryAfterMs = null,
        ?string $code = null
    ): self {
        $r = new self(false);
        $r->reason = $reason;
        $r->status = $status;
        $r->retryAfterMs = $retryAfterMs;
        $r->code = $code;
        return $r;
    }

    /** A config poll answered 304: the cached state is current. */
    public function withNotModified(): self
    {
        $r = clone $this;
        $r->notModified = true;
        return $r;
    }

    /** The answer's signed payload was refused for `$refusal`; the last verified state is kept. */
    public function withRefused(?string $refusal): self
    {
        $r = clone $this;
        $r->refused = $refusal;
        return $r;
    }

    /** Events ingest accepted during the call. */
    public function withDelivered(int $delivered): self
    {
        $r = clone $this;
        $r->delivered = $delivered;
        return $r;
    }

    public function ok(): bool
    {
        return $this->ok;
    }

    /** The HTTP status, when there was an answer. */
    public function status(): ?int
    {
        return $this->status;
    }

    public function reason(): ?string
    {
        return $this->reason;
    }

    /** Ingest's stable error code (`{"error": {"code"}}`). */
    public function code(): ?string
    {
        return $this->code;
    }

    /** How long no request will be made (Retry-After or backoff). */
    public function retryAfterMs(): ?int
    {
        return $this->retryAfterMs;
    }

    public function notModified(): bool
    {
        return $this->notModified;
    }

    public function refused(): ?string
    {
        return $this->refused;
    }

    public function delivered(): ?int
    {
        return $this->delivered;
    }

    /**
     * The fields that are set, in the contract's snake_case words (as the conformance
     * scenarios name them).
     *
     * @return array<string, bool|int|string>
     */
    public function toArray(): array
    {
        $out = ['ok' => $this->ok];
        foreach (
            [
                'status' => $this->status,
                'reason' => $this->reason,
                'code' => $this->code,
                'retry_after_ms' => $this->retryAfterMs,
                'refused' => $this->refused,
                'delivered' => $this->delivered,
            ] as $k => $v
        ) {
            if ($v !== null) {
                $out[$k] = $v;
            }
        }
        if ($this->notModified) {
            $out['not_modified'] = true;
        }
        return $out;
    }
}
