<?php

/**
 * Shim of Magento\Framework\Lock\Backend\FileLock, the `file` lock provider of env.php
 * (one flock()ed file per lock name in a folder; the OS frees it when the process
 * dies). The real class takes a file driver and the path; this one the path only.
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Lock\Backend;

use Magento\Framework\Lock\LockManagerInterface;

class FileLock implements LockManagerInterface
{
    private string $path;
    /** @var array<string, resource> */
    private array $held = [];

    public function __construct(string $path)
    {
        $this->path = rtrim($path, '/');
    }

    public function lock(string $name, int $timeout = -1): bool
    {
        if (!is_dir($this->path)) {
            @mkdir($this->path, 0700, true);
        }
        $handle = fopen($this->file($name), 'c');
        if ($handle === false) {
            return false;
        }
        $deadline = microtime(true) + $timeout;
        while (!flock($handle, LOCK_EX | LOCK_NB)) {
            if ($timeout === 0 || ($timeout > 0 && microtime(true) >= $deadline)) {
                fclose($handle);
                return false;
            }
            usleep(5000);
        }
        $this->held[$name] = $handle;
        return true;
    }

    public function unlock(string $name): bool
    {
        if (!isset($this->held[$name])) {
            return false;
        }
        flock($this->held[$name], LOCK_UN);
        fclose($this->held[$name]);
        unset($this->held[$name]);
        return true;
    }

    public function isLocked(string $name): bool
    {
        if (isset($this->held[$name])) {
            return true;
        }
        $handle = @fopen($this->file($name), 'c');
        if ($handle === false) {
            return false;
        }
        $free = flock($handle, LOCK_EX | LOCK_NB);
        if ($free) {
            flock($handle, LOCK_UN);
        }
        fclose($handle);
        return !$free;
    }

    private function file(string $name): string
    {
        return $this->path . '/' . preg_replace('/[^A-Za-z0-9_.-]/', '_', $name);
    }
}
