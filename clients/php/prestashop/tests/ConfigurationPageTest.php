<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry\PrestaShop\ConfigurationPage;
use PluginTelemetry\PrestaShop\Settings;
use Tools;

/** The configuration page: what it offers, and who may change the settings. */
final class ConfigurationPageTest extends ShopTestCase
{
    private const FIELDS = [
        Settings::INGEST_URL => 'https://ingest.example.com',
        Settings::API_KEY => 'pt_live_secret',
        Settings::MERCHANT_ID => '6f0f7f3e-8a1c-4c55-9b8e-0e3c1f2a9d10',
        Settings::CONSENT => '1',
    ];

    public function testTheFormPostsWithThePageTokenAndNeverShowsTheKeyBack(): void
    {
        $this->installModule();
        $this->postSettings(self::FIELDS);
        $admin = self::employee(self::SUPER_ADMIN, 1);
        $html = $this->request(['configure' => 'plugintelemetry'], [], $admin)->getContent();

        self::assertStringContainsString('token=' . Tools::getAdminTokenLite('AdminModules'), $html);
        self::assertStringContainsString('name="' . ConfigurationPage::SUBMIT . '"', $html);
        foreach ([Settings::CONSENT, Settings::INGEST_URL, Settings::API_KEY, Settings::MERCHANT_ID] as $field) {
            self::assertStringContainsString('name="' . $field . '"', $html);
        }
        self::assertStringNotContainsString('pt_live_secret', $html);
        self::assertStringContainsString('controller=cron', $html, 'the cron URL to schedule');
        self::assertStringContainsString(htmlspecialchars((string) \Configuration::get(Settings::CRON_TOKEN)), $html);
    }

    public function testAValidSaveStoresTheSettings(): void
    {
        $this->installModule();
        $out = $this->postSettings(self::FIELDS);

        self::assertStringContainsString('Settings saved.', $out);
        self::assertSame('https://ingest.example.com', \Configuration::get(Settings::INGEST_URL));
        self::assertSame('pt_live_secret', \Configuration::get(Settings::API_KEY));
        self::assertSame('1', \Configuration::get(Settings::CONSENT));

        // An empty key field keeps the saved key.
        $this->postSettings([Settings::API_KEY => ''] + self::FIELDS);
        self::assertSame('pt_live_secret', \Configuration::get(Settings::API_KEY));
    }

    public function testABadTokenChangesNothing(): void
    {
        $this->installModule();
        foreach (['wrong', ''] as $token) {
            $out = $this->postSettings(self::FIELDS, null, $token);
            self::assertStringContainsString('Invalid token', $out);
            self::assertSame('', \Configuration::get(Settings::API_KEY));
            self::assertSame('0', \Configuration::get(Settings::CONSENT));
        }
        // Another employee's token is not this one's either.
        $other = Tools::getAdminTokenLite('AdminModules', $this->contextOf(self::employee(self::SUPER_ADMIN, 2)));
        $out = $this->postSettings(self::FIELDS, self::employee(self::SUPER_ADMIN, 1), (string) $other);
        self::assertStringContainsString('Invalid token', $out);
        self::assertSame('', \Configuration::get(Settings::API_KEY));
    }

    public function testAnEmployeeWithoutTheConfigurePermissionChangesNothing(): void
    {
        $this->installModule();
        $out = $this->postSettings(self::FIELDS, self::employee(self::SALESMAN, 9));
        self::assertStringContainsString('permission', $out);
        self::assertSame('', \Configuration::get(Settings::API_KEY));

        $out = $this->postSettings(self::FIELDS, self::employee(self::MANAGER, 8));
        self::assertStringContainsString('Settings saved.', $out, 'a profile with AdminModules may');
    }

    public function testWrongValuesAreRefused(): void
    {
        $this->installModule();
        $out = $this->postSettings([Settings::INGEST_URL => 'http://ingest.example.com'] + self::FIELDS);
        self::assertStringContainsString('https://', $out);
        $out = $this->postSettings([Settings::MERCHANT_ID => 'merchant-7'] + self::FIELDS);
        self::assertStringContainsString('UUID', $out);
        self::assertSame('', \Configuration::get(Settings::INGEST_URL));
    }

    private function contextOf(\Employee $employee): \Context
    {
        $context = clone \Context::getContext();
        $context->employee = $employee;
        return $context;
    }
}
