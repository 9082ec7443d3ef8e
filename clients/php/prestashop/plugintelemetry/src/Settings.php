<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use Configuration;
use PluginTelemetry\Core\Uuid;

/**
 * The module's Configuration values (PrestaShop's `ps_configuration` table), in one
 * place: install writes the defaults, the configuration page saves them, uninstall
 * deletes every one of them.
 *
 * The installation id lives here too, not only in the state file: the state file sits
 * in the module's folder, which a module upgrade may replace, and a lost state file
 * must not make the shop a new installation.
 */
final class Settings
{
    public const INGEST_URL = 'PLUGINTELEMETRY_INGEST_URL';
    public const API_KEY = 'PLUGINTELEMETRY_API_KEY';
    public const MERCHANT_ID = 'PLUGINTELEMETRY_MERCHANT_ID';
    public const CONSENT = 'PLUGINTELEMETRY_CONSENT';
    public const INSTALLATION_ID = 'PLUGINTELEMETRY_INSTALLATION_ID';
    public const CRON_TOKEN = 'PLUGINTELEMETRY_CRON_TOKEN';

    /** Every key the module owns (uninstall deletes exactly these). */
    public const ALL = [
        self::INGEST_URL,
        self::API_KEY,
        self::MERCHANT_ID,
        self::CONSENT,
        self::INSTALLATION_ID,
        self::CRON_TOKEN,
    ];

    /** The defaults: no consent (nothing is sent until the merchant opts in). */
    public function installDefaults(): bool
    {
        $ok = true;
        $defaults = [self::INGEST_URL => '', self::API_KEY => '', self::MERCHANT_ID => '', self::CONSENT => '0'];
        foreach ($defaults as $k => $v) {
            if (Configuration::get($k) === false) {
                $ok = (bool) Configuration::updateGlobalValue($k, $v) && $ok;
            }
        }
        return $this->ensureIdentity() && $ok;
    }

    /** The installation id and the cron token, created once (install, or upgrade to 1.1.0). */
    public function ensureIdentity(): bool
    {
        $ok = true;
        if (!Uuid::isValid((string) Configuration::get(self::INSTALLATION_ID))) {
            $ok = (bool) Configuration::updateGlobalValue(self::INSTALLATION_ID, Uuid::v4());
        }
        if (strlen((string) Configuration::get(self::CRON_TOKEN)) < 32) {
            $ok = (bool) Configuration::updateGlobalValue(self::CRON_TOKEN, bin2hex(random_bytes(24))) && $ok;
        }
        return $ok;
    }

    public function delete(): bool
    {
        $ok = true;
        foreach (self::ALL as $key) {
            $ok = (bool) Configuration::deleteByName($key) && $ok;
        }
        return $ok;
    }

    public function ingestUrl(): string
    {
        return trim((string) Configuration::get(self::INGEST_URL));
    }

    public function apiKey(): string
    {
        return trim((string) Configuration::get(self::API_KEY));
    }

    public function merchantId(): ?string
    {
        $id = trim((string) Configuration::get(self::MERCHANT_ID));
        return $id === '' ? null : $id;
    }

    public function consent(): bool
    {
        return (string) Configuration::get(self::CONSENT) === '1';
    }

    public function installationId(): ?string
    {
        $id = (string) Configuration::get(self::INSTALLATION_ID);
        return Uuid::isValid($id) ? strtolower($id) : null;
    }

    public function cronToken(): string
    {
        return (string) Configuration::get(self::CRON_TOKEN);
    }

    /**
     * Saves what the configuration page accepted. An empty API key keeps the stored one
     * (the page never shows it back).
     */
    public function save(string $ingestUrl, string $apiKey, ?string $merchantId, bool $consent): bool
    {
        $ok = (bool) Configuration::updateGlobalValue(self::INGEST_URL, $ingestUrl);
        if ($apiKey !== '') {
            $ok = (bool) Configuration::updateGlobalValue(self::API_KEY, $apiKey) && $ok;
        }
        $ok = (bool) Configuration::updateGlobalValue(self::MERCHANT_ID, $merchantId ?? '') && $ok;
        return (bool) Configuration::updateGlobalValue(self::CONSENT, $consent ? '1' : '0') && $ok;
    }
}
