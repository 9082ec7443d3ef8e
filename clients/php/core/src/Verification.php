<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/** The outcome of verifying a signed payload: the payload, or why it was refused. */
final class Verification
{
    /** @var array{payload: string, signature: string, key_id: string, algorithm: string}|null */
    public ?array $signed;
    public ?VerifiedPayload $payload;
    public ?string $refusal;

    /** @param array{payload: string, signature: string, key_id: string, algorithm: string}|null $signed */
    private function __construct(?array $signed, ?VerifiedPayload $payload, ?string $refusal)
    {
        $this->signed = $signed;
        $this->payload = $payload;
        $this->refusal = $refusal;
    }

    /** @param array{payload: string, signature: string, key_id: string, algorithm: string} $signed */
    public static function accepted(array $signed, VerifiedPayload $payload): self
    {
        return new self($signed, $payload, null);
    }

    public static function refused(string $reason): self
    {
        return new self(null, null, $reason);
    }

    public function ok(): bool
    {
        return $this->refusal === null;
    }
}
