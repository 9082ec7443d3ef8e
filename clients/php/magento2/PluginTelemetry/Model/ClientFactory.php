<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use Magento\Framework\App\ProductMetadataInterface;
use PluginTelemetry\Core\ClientProvider;

/**
 * The core's TelemetryClient, built from the store configuration (the core's
 * ClientProvider: one per PHP request, a shared service, so the state row is read
 * once; or none, with the reason, while the module is not configured or a setting is
 * wrong; a checkout gets none while there is no state row). This class only says how
 * the configuration becomes the client's options. `pinnedKeys` comes from etc/di.xml
 * (the release's keys).
 */
class ClientFactory extends ClientProvider
{
    public const CMS = 'magento';
    /** The module's version (composer.json's; a test keeps them equal). */
    public const PLUGIN_VERSION = '1.0.0';

    private Settings $settings;
    private StateStore $store;
    private Logger $logger;
    private ProductMetadataInterface $productMetadata;
    /** @var array<string, string> */
    private array $pinnedKeys;
    /** @var array<string, mixed> */
    private array $options;

    /**
     * @param array<string, string> $pinnedKeys key_id => base64 Ed25519 public key
     * @param array<string, mixed> $options core options set in code (a transport behind a proxy; tests)
     */
    public function __construct(
        Settings $settings,
        StateStore $store,
        Logger $logger,
        ProductMetadataInterface $productMetadata,
        array $pinnedKeys = [],
        array $options = []
    ) {
        $this->settings = $settings;
        $this->store = $store;
        $this->logger = $logger;
        $this->productMetadata = $productMetadata;
        $this->pinnedKeys = $pinnedKeys;
        $this->options = $options;
        parent::__construct(function () {
            return $this->clientOptions();
        }, static function () use ($store): bool {
            return $store->load() !== null;
        }, $logger);
    }

    /** @return array<string, mixed>|string the options, or why there are none */
    private function clientOptions()
    {
        $pinned = $this->options['pinnedKeys'] ?? $this->pinnedKeys;
        if ($pinned === []) {
            return 'this release pins no signing key (etc/di.xml): telemetry is off';
        }
        if ($this->settings->ingestUrl() === '' || $this->settings->apiKey() === '') {
            return 'set the ingest URL and the API key to turn telemetry on';
        }
        $options = [
            'ingestUrl' => $this->settings->ingestUrl(),
            'apiKey' => $this->settings->apiKey(),
            'pinnedKeys' => $pinned,
            'pluginVersion' => self::PLUGIN_VERSION,
            'cms' => self::CMS,
            'cmsVersion' => $this->productMetadata->getVersion(),
            'siteHost' => $this->settings->siteHost(),
            'store' => $this->store,
            'consent' => $this->settings->consent(),
            'merchantId' => $this->settings->merchantId(),
            'logger' => $this->logger,
        ];
        return array_filter($this->options + $options, static function ($v): bool {
            return $v !== null;
        });
    }
}
