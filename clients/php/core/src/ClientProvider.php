<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * The TelemetryClient of one PHP request, built from an adapter's settings on first
 * use (so the state is read once per request), or none, with the reason, while
 * telemetry cannot run (not configured, or an option the core refuses). An adapter
 * gives only how it reads its settings: `$options` returns the client's options, or a
 * string saying why there are none (for its settings page), or null (off, nothing to
 * say).
 *
 * `forCheckout()` is the client for a shopper's request: null as well while no state
 * exists yet (nothing verified yet means not blocked), so a checkout never creates
 * the state and never builds a client for nothing.
 *
 * Not final: an adapter's factory may extend it, to keep a class of its own for its
 * container or its callers.
 */
class ClientProvider
{
    /** @var callable(): (array<string, mixed>|string|null) */
    private $options;
    /** @var (callable(): bool)|null */
    private $stateExists;
    private ?Logger $logger;
    private ?TelemetryClient $client = null;
    private bool $built = false;
    private ?string $problem = null;

    /**
     * @param callable(): (array<string, mixed>|string|null) $options the options, or why there are none
     * @param (callable(): bool)|null $stateExists whether a state is stored yet (forCheckout; null: do not ask)
     * @param Logger|null $logger told when the core refuses the options
     */
    public function __construct(callable $options, ?callable $stateExists = null, ?Logger $logger = null)
    {
        $this->options = $options;
        $this->stateExists = $stateExists;
        $this->logger = $logger;
    }

    /** The client, or null while telemetry cannot run (see problem()). */
    public function create(): ?TelemetryClient
    {
        if ($this->built) {
            return $this->client;
        }
        $this->built = true;
        try {
            $options = ($this->options)();
            if (!is_array($options)) {
                $this->problem = is_string($options) ? $options : null;
                return null;
            }
            $this->client = new TelemetryClient($options);
        } catch (\InvalidArgumentException $e) {
            $this->problem = $e->getMessage();
            if ($this->logger !== null) {
                $this->logger->warning('telemetry is off: ' . $e->getMessage());
            }
        }
        return $this->client;
    }

    /** The client for a shopper's request: null too while no state is stored yet. */
    public function forCheckout(): ?TelemetryClient
    {
        try {
            if ($this->stateExists !== null && !($this->stateExists)()) {
                return null;
            }
        } catch (\Throwable $e) {
            return null; // a checkout never fails because of telemetry
        }
        return $this->create();
    }

    /** Why create() returns null, in words for the settings page (null: it does not). */
    public function problem(): ?string
    {
        $this->create();
        return $this->problem;
    }

    /** Forgets the client of this request (after the settings changed). */
    public function reset(): void
    {
        $this->client = null;
        $this->built = false;
        $this->problem = null;
    }
}
