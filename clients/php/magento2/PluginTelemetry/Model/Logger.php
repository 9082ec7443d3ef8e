<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use PluginTelemetry\Core\Logger as CoreLogger;
use Psr\Log\LoggerInterface;

/**
 * The core's warnings in Magento's log (var/log/system.log through Magento's PSR-3
 * logger). The core never puts the API key in a message.
 */
class Logger implements CoreLogger
{
    private LoggerInterface $logger;

    public function __construct(LoggerInterface $logger)
    {
        $this->logger = $logger;
    }

    public function warning(string $message, array $context = []): void
    {
        $this->logger->warning('[plugin_telemetry] ' . $message, $context);
    }

    public function debug(string $message, array $context = []): void
    {
        $this->logger->debug('[plugin_telemetry] ' . $message, $context);
    }
}
