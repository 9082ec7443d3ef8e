<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * What a heartbeat's 202 and a config poll's 200 both carry (ingest::answer::PluginAnswer).
 * Only `signedToggles` is acted on, once verified; the unsigned upgrade advice and
 * notices are kept for servers whose payload does not carry signed copies yet.
 */
final class PluginAnswer
{
    /** @var mixed the raw `signed_toggles` */
    public $signedToggles;
    /** @var array<string, mixed>|null */
    public ?array $upgrade;
    /** @var list<array<string, mixed>> */
    public array $notices;
    public ?int $nextHeartbeatInSecs;

    /**
     * @param mixed $signedToggles
     * @param array<string, mixed>|null $upgrade
     * @param list<array<string, mixed>> $notices
     */
    public function __construct($signedToggles, ?array $upgrade, array $notices, ?int $nextHeartbeatInSecs)
    {
        $this->signedToggles = $signedToggles;
        $this->upgrade = $upgrade;
        $this->notices = $notices;
        $this->nextHeartbeatInSecs = $nextHeartbeatInSecs;
    }
}
