<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Where the client says what went wrong. The method names are PSR-3's, so a PSR-3
 * logger fits behind a one-line adapter, without this package depending on psr/log.
 * Context never holds the API key.
 */
interface Logger
{
    /** @param array<string, mixed> $context */
    public function warning(string $message, array $context = []): void;

    /** @param array<string, mixed> $context */
    public function debug(string $message, array $context = []): void;
}
