<?php

/**
 * PSR-3's Psr\Log\LoggerInterface (psr/log 1.1, which Magento 2.4 ships), the methods
 * the module calls. Tests only.
 */

declare(strict_types=1);

namespace Psr\Log;

interface LoggerInterface
{
    /** @param array<string, mixed> $context */
    public function warning($message, array $context = []);

    /** @param array<string, mixed> $context */
    public function debug($message, array $context = []);

    /** @param array<string, mixed> $context */
    public function error($message, array $context = []);
}
