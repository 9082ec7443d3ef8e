<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use PluginTelemetry\Core\ClientProvider;
use Tools;

/**
 * The core's TelemetryClient, built from the module's settings (the core's
 * ClientProvider: one per PHP request, so the state file is read once, or none, with
 * the reason, while the module is not configured or a setting is wrong; a checkout gets
 * none while there is no state file). This class only says how the module's settings
 * become the client's options.
 */
final class ClientFactory extends ClientProvider
{
    public const CMS = 'prestashop';

    private Settings $settings;
    private ModuleStateStore $store;
    private string $pluginVersion;
    /** @var array<string, string> */
    private array $pinnedKeys;
    /** @var array<string, mixed> */
    private array $overrides = [];

    /** @param array<string, string> $pinnedKeys key_id => base64 Ed25519 public key */
    public function __construct(Settings $settings, ModuleStateStore $store, string $pluginVersion, array $pinnedKeys)
    {
        $this->settings = $settings;
        $this->store = $store;
        $this->pluginVersion = $pluginVersion;
        $this->pinnedKeys = $pinnedKeys;
        parent::__construct(function () {
            return $this->options();
        }, static function () use ($store): bool {
            return $store->exists();
        });
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

    /**
     * The options from the settings, or why there are none (a setting is missing).
     * Checks nothing else: the core's Options does, at construction.
     *
     * @return array<string, mixed>|string
     */
    private function options()
    {
        $pinned = $this->overrides['pinnedKeys'] ?? $this->pinnedKeys;
        if ($pinned === []) {
            return 'this release pins no signing key (pinned_keys.php): telemetry is off';
        }
        if ($this->settings->ingestUrl() === '' || $this->settings->apiKey() === '') {
            return 'set the ingest URL and the API key to turn telemetry on';
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
