<?php

declare(strict_types=1);

namespace PluginTelemetry\Conformance;

use PluginTelemetry\Core\Logger;

/** Passes the client's warnings to the runner (shown when a scenario fails). */
final class CollectingLogger implements Logger
{
    /** @var callable(string): void */
    private $report;

    /** @param callable(string): void $report */
    public function __construct(callable $report)
    {
        $this->report = $report;
    }

    public function warning(string $message, array $context = []): void
    {
        ($this->report)($message);
    }

    public function debug(string $message, array $context = []): void
    {
    }
}
