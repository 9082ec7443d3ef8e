<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Notification\MessageList;
use PluginTelemetry\Magento\Tests\Shim\Database;
use PluginTelemetry\Telemetry\Model\System\Message\TelemetryOff;
use PluginTelemetry\Telemetry\Model\Settings;

/** Stores > Configuration > Plugin Telemetry: who may save it, and how the key is kept. */
final class ConfigSaveTest extends StoreTestCase
{
    private const VALUES = [
        Settings::CONSENT => '1',
        Settings::INGEST_URL => 'https://ingest.example.com',
        Settings::API_KEY => 'pt_live_secret',
        Settings::MERCHANT_ID => '6f0f7f3e-8a1c-4c55-9b8e-0e3c1f2a9d10',
    ];

    public function testAnAdminWithTheResourceAndTheFormKeySaves(): void
    {
        self::admin(['PluginTelemetry_Telemetry::config']);
        $result = $this->saveConfig(self::VALUES);
        self::assertTrue($result['saved'], $result['message']);

        $stored = Database::$coreConfigData[Settings::API_KEY];
        self::assertStringNotContainsString('pt_live_secret', (string) $stored, 'the key is stored encrypted');
        $settings = $this->request('global')->get(Settings::class);
        self::assertSame('pt_live_secret', $settings->apiKey());
        self::assertTrue($settings->consent());
        self::assertSame('https://ingest.example.com', $settings->ingestUrl());

        // The obscured field left as shown keeps the key.
        $this->saveConfig([Settings::API_KEY => '******'] + self::VALUES);
        self::assertSame('pt_live_secret', $this->request('global')->get(Settings::class)->apiKey());
    }

    public function testABadFormKeyChangesNothing(): void
    {
        self::admin();
        foreach (['', 'forged', strrev(Database::$formKey)] as $key) {
            $result = $this->saveConfig(self::VALUES, $key);
            self::assertFalse($result['saved']);
            self::assertStringContainsString('Invalid Form Key', $result['message']);
        }
        self::assertArrayNotHasKey(Settings::API_KEY, Database::$coreConfigData);
        self::assertFalse($this->request('global')->get(Settings::class)->consent());
    }

    public function testAnAdminWithoutTheResourceChangesNothing(): void
    {
        self::admin(['Magento_Backend::stores', 'Magento_Config::config', 'PluginTelemetry_Telemetry::notices']);
        $result = $this->saveConfig(self::VALUES);
        self::assertFalse($result['saved']);
        self::assertStringContainsString('permissions', $result['message']);
        self::assertArrayNotHasKey(Settings::API_KEY, Database::$coreConfigData);

        Database::$adminResources = null; // no admin session at all
        self::assertFalse($this->saveConfig(self::VALUES)['saved']);
    }

    public function testConsentWithoutAKeySaysTelemetryIsOff(): void
    {
        self::admin();
        self::assertTrue($this->saveConfig([Settings::CONSENT => '1'])['saved']);
        $shown = [];
        foreach ($this->request('adminhtml')->get(MessageList::class)->asArray() as $m) {
            if ($m->isDisplayed()) {
                $shown[] = $m;
            }
        }
        self::assertCount(1, $shown);
        self::assertInstanceOf(TelemetryOff::class, $shown[0]);
        self::assertStringContainsString('set the ingest URL and the API key', $shown[0]->getText());
    }

    public function testTheDefaultsAreNoConsentAndNoEndpoint(): void
    {
        $settings = $this->request('global')->get(Settings::class);
        self::assertFalse($settings->consent());
        self::assertSame('', $settings->ingestUrl());
        self::assertSame('', $settings->apiKey());
        self::assertSame('magento.example', $settings->siteHost());
    }
}
