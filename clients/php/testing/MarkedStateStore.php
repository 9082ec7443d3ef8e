<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

use PluginTelemetry\Core\StateStore;

/**
 * An adapter's store, with the runner's state file as a marker of whether it holds a
 * state: the file exists exactly while `load()` finds one (checked after every write
 * and after clear()), so the conformance runner's `state_exists` is about the
 * adapter's store. The marker holds nothing.
 */
final class MarkedStateStore implements StateStore
{
    private StateStore $inner;
    private string $marker;

    public function __construct(StateStore $inner, string $marker)
    {
        $this->inner = $inner;
        $this->marker = $marker;
    }

    public function load(): ?array
    {
        return $this->inner->load();
    }

    public function update(callable $change): void
    {
        $this->inner->update($change);
        $this->mark();
    }

    public function clear(): void
    {
        $this->inner->clear();
        $this->mark();
    }

    private function mark(): void
    {
        if ($this->inner->load() !== null) {
            if (!is_file($this->marker)) {
                touch($this->marker);
            }
        } elseif (is_file($this->marker)) {
            unlink($this->marker);
        }
    }
}
