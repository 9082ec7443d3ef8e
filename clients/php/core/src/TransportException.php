<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/** A request that got no HTTP answer: `timeout` (the deadline passed) or `network`. */
final class TransportException extends \RuntimeException
{
    public const TIMEOUT = 'timeout';
    public const NETWORK = 'network';

    private string $kind;

    public function __construct(string $kind, string $message)
    {
        parent::__construct($message);
        $this->kind = $kind === self::TIMEOUT ? self::TIMEOUT : self::NETWORK;
    }

    public function kind(): string
    {
        return $this->kind;
    }
}
