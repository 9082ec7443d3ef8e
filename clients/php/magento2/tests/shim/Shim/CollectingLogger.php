<?php

/**
 * A PSR-3 logger that keeps what it is told (Magento's own is Monolog to var/log/).
 * Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

use Psr\Log\LoggerInterface;

final class CollectingLogger implements LoggerInterface
{
    /** @var list<array{0: string, 1: string}> */
    public array $lines = [];

    public function warning($message, array $context = [])
    {
        $this->lines[] = ['warning', (string) $message];
    }

    public function debug($message, array $context = [])
    {
        $this->lines[] = ['debug', (string) $message];
    }

    public function error($message, array $context = [])
    {
        $this->lines[] = ['error', (string) $message];
    }
}
