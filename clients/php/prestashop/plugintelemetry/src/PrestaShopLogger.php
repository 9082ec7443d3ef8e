<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use PluginTelemetry\Core\Logger;

/**
 * The core's warnings in PrestaShop's log (Advanced Parameters > Logs), severity 2
 * (warning). Debug lines are dropped. The core never puts the API key in a message.
 */
final class PrestaShopLogger implements Logger
{
    private const WARNING = 2;

    public function warning(string $message, array $context = []): void
    {
        $suffix = $context === []
            ? ''
            : ' ' . json_encode($context, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR);
        try {
            \PrestaShopLogger::addLog('[plugintelemetry] ' . $message . $suffix, self::WARNING, null, 'Module');
        } catch (\Throwable $e) {
            error_log('[plugintelemetry] ' . $message . $suffix); // the database may be what failed
        }
    }

    public function debug(string $message, array $context = []): void
    {
    }
}
