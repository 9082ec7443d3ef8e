<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use Magento\Framework\App\ProductMetadataInterface;
use PluginTelemetry\Core\TelemetryClient;

/**
 * The core's TelemetryClient, built from the store configuration: one per PHP request
 * (a shared service, so the state row is read once), or none, with the reason, while
 * the module is not configured (no ingest URL, API key or pinned key) or a setting is
 * wrong. `pinnedKeys` comes from etc/di.xml (the release's keys).
 */
class ClientFactory
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
    private ?TelemetryClient $client = null;
    private bool $built = false;
    private ?string $problem = null;

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
    }

    /** Forgets the client of this request (after the configuration changed). */
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
        $options = $this->clientOptions();
        if ($options === null) {
            return null;
        }
        try {
            $this->client = new TelemetryClient($options);
        } catch (\InvalidArgumentException $e) {
            $this->problem = $e->getMessage();
            $this->logger->warning('telemetry is off: ' . $e->getMessage());
        }
        return $this->client;
    }

    /**
     * The client for the checkout: null as well while there is no state at all, so a
     * shopper's request never creates the state row (nothing verified means not blocked).
     */
    public function forCheckout(): ?TelemetryClient
    {
        if ($this->store->load() === null) {
            return null;
        }
        return $this->create();
    }

    public function problem(): ?string
    {
        $this->create();
        return $this->problem;
    }

    /** @return array<string, mixed>|null */
    private function clientOptions(): ?array
    {
        $pinned = $this->options['pinnedKeys'] ?? $this->pinnedKeys;
        if ($pinned === []) {
            $this->problem = 'this release pins no signing key (etc/di.xml): telemetry is off';
            return null;
        }
        if ($this->settings->ingestUrl() === '' || $this->settings->apiKey() === '') {
            $this->problem = 'set the ingest URL and the API key to turn telemetry on';
            return null;
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
