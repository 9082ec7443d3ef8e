<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * The state as one JSON file. Writes go to a temporary file renamed over the old one,
 * so a crash mid-write leaves the previous state, never half a file, and readers need
 * no lock; `update` serialises writers with flock() on a side file (`<path>.lock`),
 * which the OS releases even when a worker dies holding it. Files are readable by
 * their owner only (0600): the state names the installation and its merchant.
 */
final class FileStateStore implements StateStore
{
    private string $path;

    public function __construct(string $path)
    {
        $this->path = $path;
    }

    public function path(): string
    {
        return $this->path;
    }

    public function load(): ?array
    {
        if (!is_file($this->path)) {
            return null;
        }
        $text = @file_get_contents($this->path);
        if ($text === false || $text === '') {
            return null;
        }
        $v = json_decode($text, true, 64);
        return is_array($v) ? $v : null;
    }

    public function update(callable $change): void
    {
        $this->ensureDirectory();
        $lock = @fopen($this->path . '.lock', 'c');
        if ($lock === false) {
            throw new \RuntimeException('state lock not writable: ' . dirname($this->path));
        }
        @chmod($this->path . '.lock', 0600);
        try {
            if (!flock($lock, LOCK_EX)) {
                throw new \RuntimeException('state lock not taken');
            }
            $this->write($change($this->load()));
        } finally {
            flock($lock, LOCK_UN);
            fclose($lock);
        }
    }

    public function clear(): void
    {
        @unlink($this->path);
        @unlink($this->path . '.lock');
    }

    /** @param array<string, mixed> $state */
    private function write(array $state): void
    {
        $json = json_encode($state, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        if ($json === false) {
            throw new \RuntimeException('state not encodable: ' . json_last_error_msg());
        }
        $tmp = $this->path . '.' . getmypid() . '.' . bin2hex(random_bytes(4)) . '.tmp';
        $handle = @fopen($tmp, 'x');
        if ($handle === false) {
            throw new \RuntimeException('state not writable: ' . dirname($this->path));
        }
        @chmod($tmp, 0600); // before any byte is written
        $written = fwrite($handle, $json);
        $flushed = fflush($handle);
        fclose($handle);
        if ($written !== strlen($json) || !$flushed || !@rename($tmp, $this->path)) {
            @unlink($tmp);
            throw new \RuntimeException('state not written: ' . $this->path);
        }
    }

    private function ensureDirectory(): void
    {
        $dir = dirname($this->path);
        if (!is_dir($dir) && !@mkdir($dir, 0700, true) && !is_dir($dir)) {
            throw new \RuntimeException('state directory not creatable: ' . $dir);
        }
    }
}
