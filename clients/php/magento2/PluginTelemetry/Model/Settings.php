<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use Magento\Framework\App\Config\ScopeConfigInterface;
use Magento\Framework\App\Config\Storage\WriterInterface;
use Magento\Framework\Encryption\EncryptorInterface;

/**
 * The module's store configuration (core_config_data, default scope: one installation
 * per Magento instance), read through ScopeConfigInterface; the API key is stored
 * encrypted and decrypted here only.
 */
class Settings
{
    public const CONSENT = 'plugin_telemetry/privacy/consent';
    public const INGEST_URL = 'plugin_telemetry/connection/ingest_url';
    public const API_KEY = 'plugin_telemetry/connection/api_key';
    public const MERCHANT_ID = 'plugin_telemetry/connection/merchant_id';

    /** Every path the module owns (uninstall deletes exactly these). */
    public const ALL = [self::CONSENT, self::INGEST_URL, self::API_KEY, self::MERCHANT_ID];

    private ScopeConfigInterface $config;
    private EncryptorInterface $encryptor;
    private WriterInterface $writer;

    public function __construct(ScopeConfigInterface $config, EncryptorInterface $encryptor, WriterInterface $writer)
    {
        $this->config = $config;
        $this->encryptor = $encryptor;
        $this->writer = $writer;
    }

    public function consent(): bool
    {
        return $this->config->isSetFlag(self::CONSENT);
    }

    public function ingestUrl(): string
    {
        return rtrim(trim((string) $this->config->getValue(self::INGEST_URL)), '/');
    }

    public function apiKey(): string
    {
        $stored = trim((string) $this->config->getValue(self::API_KEY));
        return $stored === '' ? '' : trim((string) $this->encryptor->decrypt($stored));
    }

    public function merchantId(): ?string
    {
        $id = strtolower(trim((string) $this->config->getValue(self::MERCHANT_ID)));
        return $id === '' ? null : $id;
    }

    /** The store's host, from its secure base URL. */
    public function siteHost(): ?string
    {
        foreach (['web/secure/base_url', 'web/unsecure/base_url'] as $path) {
            $host = parse_url((string) $this->config->getValue($path), PHP_URL_HOST);
            if (is_string($host) && $host !== '') {
                return strtolower($host);
            }
        }
        return null;
    }

    public function deleteAll(): void
    {
        foreach (self::ALL as $path) {
            $this->writer->delete($path, ScopeConfigInterface::SCOPE_TYPE_DEFAULT, 0);
        }
    }
}
