<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * The plugin contract's fixed words, as ingest reads and writes them
 * (schemas/src/{heartbeat,event}.rs, policy::toggles). Kept equal to the TypeScript
 * SDK's core/wire.ts: both clients run the same scenarios.
 */
final class Wire
{
    /** schemas::heartbeat::KNOWN_CMS */
    public const KNOWN_CMS = ['woocommerce', 'prestashop', 'magento', 'shopify', 'noncms', 'custom'];

    /** schemas::heartbeat::ENVIRONMENTS */
    public const ENVIRONMENTS = ['production', 'staging', 'development', 'test'];

    /** schemas::event::EventType */
    public const EVENT_TYPES = [
        'error',
        'activation',
        'deactivation',
        'uninstalled',
        'upgrade_started',
        'upgrade_succeeded',
        'upgrade_failed',
        'toggle_applied',
        'notice_acknowledged',
    ];

    /** The types an adapter queues with TelemetryClient::recordEvent() (the client sends the others). */
    public const RECORDABLE_EVENT_TYPES = [
        'activation',
        'deactivation',
        'upgrade_started',
        'upgrade_succeeded',
        'upgrade_failed',
    ];

    /** An event's own string fields beside type and occurred_at, with their limits in bytes. */
    public const EVENT_FIELDS = [
        'error_code' => 128,
        'message' => 1024,
        'notice_id' => 64,
        'toggle_key' => 64,
        'from_version' => 64,
        'to_version' => 64,
    ];

    public const BLOCK_PLUGIN = 'block_plugin';
    public const FORCE_UPDATE = 'force_update';
    public const ENABLE_DEBUG = 'enable_debug';

    /** The error code a refused signed payload is reported with. */
    public const TOGGLE_SIGNATURE_INVALID = 'toggle_signature_invalid';

    /** What the heartbeat says this client is (`sdk_language`). */
    public const SDK_LANGUAGE = 'php';

    public const HEARTBEAT_PATH = '/api/v1/plugins/heartbeat';
    public const EVENT_PATH = '/api/v1/plugins/event';
    public const CONFIG_PATH = '/api/v1/plugins/config';

    /** Server limit per request (schemas::event::MAX_EVENTS_PER_BATCH). */
    public const MAX_EVENTS_PER_BATCH = 100;

    private function __construct()
    {
    }
}
