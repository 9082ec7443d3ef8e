<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PluginTelemetry\Core\Logger;

/** Keeps every warning in `$sink` (with its context as JSON); debug lines are dropped. */
final class MemoryLogger implements Logger
{
    /** @var list<string> */
    private array $sink;

    /** @param list<string> $sink */
    public function __construct(array &$sink)
    {
        $this->sink = &$sink;
    }

    public function warning(string $message, array $context = []): void
    {
        $this->sink[] = $context === [] ? $message : $message . ' ' . json_encode($context);
    }

    public function debug(string $message, array $context = []): void
    {
    }
}
