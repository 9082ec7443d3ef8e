<?php

/**
 * Shim of Magento\Framework\Event\ManagerInterface: dispatch($eventName, array $data = []).
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Event;

interface ManagerInterface
{
    /** @param array<string, mixed> $data */
    public function dispatch($eventName, array $data = []);
}
