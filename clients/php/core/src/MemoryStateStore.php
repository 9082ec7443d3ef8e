<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/** State in memory only: tests, or one long-running process that must not write to disk. */
final class MemoryStateStore implements StateStore
{
    private ?string $json = null;

    public function load(): ?array
    {
        if ($this->json === null) {
            return null;
        }
        $v = json_decode($this->json, true);
        return is_array($v) ? $v : null;
    }

    public function update(callable $change): void
    {
        // Through JSON, as a file would be: what cannot be stored shows up here too.
        $json = json_encode($change($this->load()));
        if ($json === false) {
            throw new \RuntimeException('state not encodable: ' . json_last_error_msg());
        }
        $this->json = $json;
    }

    public function clear(): void
    {
        $this->json = null;
    }
}
