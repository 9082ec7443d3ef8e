<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Where the client's state lives between requests. PHP serves a shop from many worker
 * processes at once, so writes are read-modify-write under the store's own exclusive
 * lock (`update`), and every reader sees a whole document, never half of one. An
 * adapter may keep it elsewhere (a CMS option table, a cache) by implementing this.
 */
interface StateStore
{
    /**
     * The stored document, or null when there is none or it cannot be read. Must not
     * block: the checkout path reads it.
     *
     * @return array<string, mixed>|null
     */
    public function load(): ?array;

    /**
     * Runs `$change` on the current document under an exclusive lock and stores what it
     * returns. The lock is held only for this (the client never calls the network from
     * inside `$change`).
     *
     * @param callable(array<string, mixed>|null): array<string, mixed> $change
     * @throws \RuntimeException when the state cannot be written
     */
    public function update(callable $change): void;

    /** Removes the document (after `uninstalled` was accepted). */
    public function clear(): void;
}
