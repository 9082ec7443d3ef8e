<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/** The default logger: warnings to PHP's error_log, debug output dropped. */
final class ErrorLogLogger implements Logger
{
    public function warning(string $message, array $context = []): void
    {
        $suffix = $context === []
            ? ''
            : ' ' . json_encode($context, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR);
        error_log('[plugin-telemetry] ' . $message . $suffix);
    }

    public function debug(string $message, array $context = []): void
    {
    }
}
