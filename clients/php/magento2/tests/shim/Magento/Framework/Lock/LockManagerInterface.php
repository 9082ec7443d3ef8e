<?php

/**
 * Shim of Magento\Framework\Lock\LockManagerInterface (lib/internal/Magento/Framework/
 * Lock/LockManagerInterface.php), as the "Lock provider" configuration documents it
 * (https://experienceleague.adobe.com/docs/commerce-operations/configuration-guide/storage/lock-provider.html):
 * lock($name, $timeout = -1) waits up to $timeout seconds (-1: forever) and answers
 * whether the lock is held; unlock($name); isLocked($name). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Lock;

interface LockManagerInterface
{
    public function lock(string $name, int $timeout = -1): bool;

    public function unlock(string $name): bool;

    public function isLocked(string $name): bool;
}
