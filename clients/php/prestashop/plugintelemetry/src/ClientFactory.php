<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use PluginTelemetry\Core\TelemetryClient;
use Tools;

/**
 * The core's TelemetryClient, built from the module's settings: one per PHP request
 * (so the state file is read once), or none, with the reason, while the module is not
 * configured (no ingest URL, API key or pinned key) or a setting is wrong.
 */
final class ClientFactory
{
    public const CMS = 'prestashop';

    private Settings $settings;
    private ModuleStateStore $store;
    private string $pluginVersion;
    /** @var array<string, string> */
    private array $pinnedKeys;
    /** @var array<string, mixed> */
    private array $overrides = [];
    private ?TelemetryClient $client = null;
    private bool $built = false;
    private ?string $problem = null;

    /** @param array<string, string> $pinnedKeys key_id => base64 Ed25519 public key */
    public function __construct(Settings $settings, ModuleStateStore $store, string $pluginVersion, array $pinnedKeys)
    {
        $this->settings = $settings;
        $this->store = $store;
        $this->pluginVersion = $pluginVersion;
        $this->pinnedKeys = $pinnedKeys;
    }

    public function store(): ModuleStateStore
    {
        return $this->store;
    }

    /**
     * Core options set in code rather than in the back office (tests: `transport`,
     * `pinnedKeys`, `pollIntervalMs`; a shop behind an outgoing proxy: a `transport`).
     *
     * @param array<string, mixed> $options
     */
    public function override(array $options): void
    {
        $this->overrides = $options + $this->overrides;
        $this->reset();
    }

    /** Forgets the client of this request (after the settings changed). */
    public function reset(): void
    {
        $this->client = null;
        $this->built = false;
        $this->problem = null;
    }

    /** The client, or null while telemetry cannot run (see problem()). */
    public function create(): ?TelemetryClient
    {
        if ($this->built) {
            return $this->client;
        }
        $this->built = true;
        $options = $this->options();
        if ($options === null) {
            return null;
        }
        try {
            $this->client = new TelemetryClient($options);
        } catch (\InvalidArgumentException $e) {
            $this->problem = $e->getMessage();
        }
        return $this->client;
    }

    /**
     * The client for the checkout: null as well while there is no state at all, so a
     * shopper's request never creates the state file (nothing verified yet means not
     * blocked).
     */
    public function forCheckout(): ?TelemetryClient
    {
        if (!$this->store->exists()) {
            return null;
        }
        return $this->create();
    }

    /** Why create() returns null, in words for the configuration page. */
    public function problem(): ?string
    {
        $this->create();
        return $this->problem;
    }

    /**
     * The options from the settings, or null (with the problem) when one is missing.
     * Checks nothing else: the core's Options does, at construction.
     *
     * @return array<string, mixed>|null
     */
    private function options(): ?array
    {
        $pinned = $this->overrides['pinnedKeys'] ?? $this->pinnedKeys;
        if ($pinned === []) {
            $this->problem = 'this release pins no signing key (pinned_keys.php): telemetry is off';
            return null;
        }
        if ($this->settings->ingestUrl() === '' || $this->settings->apiKey() === '') {
            $this->problem = 'set the ingest URL and the API key to turn telemetry on';
            return null;
        }
        $host = (string) parse_url('https://' . Tools::getShopDomainSsl(false, false), PHP_URL_HOST);
        $options = [
            'ingestUrl' => $this->settings->ingestUrl(),
            'apiKey' => $this->settings->apiKey(),
            'pinnedKeys' => $pinned,
            'pluginVersion' => $this->pluginVersion,
            'cms' => self::CMS,
            'cmsVersion' => defined('_PS_VERSION_') ? (string) _PS_VERSION_ : null,
            'siteHost' => $host === '' ? null : $host,
            'store' => $this->store,
            'consent' => $this->settings->consent(),
            'installationId' => $this->settings->installationId(),
            'merchantId' => $this->settings->merchantId(),
            'logger' => new PrestaShopLogger(),
        ];
        return array_filter($this->overrides + $options, static function ($v): bool {
            return $v !== null;
        });
    }
}
