<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry;
use PluginTelemetry\Core\Uuid;
use PluginTelemetry\PrestaShop\Build\ModulePackage;
use PluginTelemetry\PrestaShop\ClientFactory;
use PluginTelemetry\PrestaShop\ModuleStateStore;
use PluginTelemetry\PrestaShop\Settings;
use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

/** Install, uninstall, upgrade and the zip, on the shim shop. */
final class InstallTest extends ShopTestCase
{
    public function testInstallRegistersEveryHookAndTheDefaultsAndSendsNothing(): void
    {
        $module = $this->installModule();

        foreach (PluginTelemetry::HOOKS as $hook) {
            self::assertTrue($module->isRegisteredInHook($hook), "hook {$hook}");
        }
        self::assertSame('0', \Configuration::get(Settings::CONSENT), 'no consent until the merchant gives it');
        self::assertTrue(Uuid::isValid((string) \Configuration::get(Settings::INSTALLATION_ID)));
        self::assertGreaterThanOrEqual(32, strlen((string) \Configuration::get(Settings::CRON_TOKEN)));
        self::assertFileExists(self::moduleDir() . 'var/.htaccess');
        self::assertFileExists(self::moduleDir() . 'var/index.php');

        // A back-office page after install: nothing is sent, nothing is stored.
        $this->request([], [], self::employee(self::SUPER_ADMIN, 1))->hookDisplayBackOfficeHeader();
        $this->finishResponse();
        self::assertSame(0, $this->requests->count());
        self::assertFileDoesNotExist(self::statePath());
        self::assertFalse($this->installAgain(), 'a second install is refused');
    }

    public function testUninstallSendsUninstalledThenRemovesHooksSettingsAndState(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);
        $this->finishResponse(); // the first heartbeat, after the settings page was sent
        self::assertSame(202, $this->requests->last('/api/v1/plugins/heartbeat')['status']);
        self::assertFileExists(self::statePath());

        $module = $this->request([], [], self::employee(self::SUPER_ADMIN, 1));
        self::assertTrue($module->uninstall());

        self::assertCount(1, $this->requests->delivered('uninstalled'), 'ingest accepted `uninstalled`');
        foreach (PluginTelemetry::HOOKS as $hook) {
            self::assertFalse($module->isRegisteredInHook($hook), "hook {$hook} removed");
        }
        foreach (Settings::ALL as $key) {
            self::assertFalse(\Configuration::hasKey($key), "{$key} removed");
        }
        self::assertFileDoesNotExist(self::statePath());
        self::assertArrayNotHasKey('plugintelemetry', Shop::$modules);
    }

    public function testUninstallWithoutConsentSendsNothing(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, false);
        $this->finishResponse();

        self::assertTrue($this->request([], [], self::employee(self::SUPER_ADMIN, 1))->uninstall());
        self::assertSame(0, $this->requests->count());
        self::assertFalse(\Configuration::hasKey(Settings::API_KEY));
    }

    public function testAnUpgradeFrom100AddsTheNewHooksAndTheCronToken(): void
    {
        // A shop as 1.0.0 left it: two hooks, no cron token, the module row at 1.0.0.
        $module = $this->installModule();
        foreach (PluginTelemetry::HOOKS as $hook) {
            $module->unregisterHook($hook);
        }
        $module->registerHook(['paymentOptions', 'displayBackOfficeHeader']);
        \Configuration::deleteByName(Settings::CRON_TOKEN);
        Shop::$modules['plugintelemetry']['version'] = '1.0.0';

        $module = $this->request([], [], self::employee(self::SUPER_ADMIN, 1));
        self::assertSame('1.0.0', $module->database_version);
        self::assertTrue($module->runUpgradeModule()['success'], implode('; ', $module->getErrors()));

        foreach (PluginTelemetry::HOOKS as $hook) {
            self::assertTrue($module->isRegisteredInHook($hook), "hook {$hook}");
        }
        self::assertGreaterThanOrEqual(32, strlen((string) \Configuration::get(Settings::CRON_TOKEN)));
        self::assertSame(PluginTelemetry::VERSION, Shop::$modules['plugintelemetry']['version']);
        // Run again (PrestaShop retries a failed upgrade): no harm.
        self::assertTrue(upgrade_module_1_1_0($module));
    }

    public function testTheZipCarriesTheModuleWithTheCoreAndThePinnedKeys(): void
    {
        $out = sys_get_temp_dir() . '/pt-prestashop-zip-' . bin2hex(random_bytes(3));
        $keys = ['release-1' => base64_encode(str_repeat("\x01", 32))];
        // Leftovers of a development run in the source's var/ must not ship.
        $leftover = dirname(__DIR__) . '/plugintelemetry/var/state.json';
        $hadLeftover = is_file($leftover);
        if (!$hadLeftover) {
            file_put_contents($leftover, '{}');
        }
        try {
            $zip = (new ModulePackage())->zip($out, $keys);
        } finally {
            if (!$hadLeftover) {
                unlink($leftover);
            }
        }
        self::assertSame('plugintelemetry-' . PluginTelemetry::VERSION . '.zip', basename($zip));
        $names = [];
        foreach (new \RecursiveIteratorIterator(new \PharData($zip)) as $file) {
            $names[] = substr((string) $file->getPathname(), strlen('phar://' . $zip) + 1);
        }
        foreach (
            [
                'plugintelemetry/plugintelemetry.php',
                'plugintelemetry/config.xml',
                'plugintelemetry/upgrade/upgrade-1.1.0.php',
                'plugintelemetry/controllers/front/cron.php',
                'plugintelemetry/vendor/plugin-telemetry/core/autoload.php',
                'plugintelemetry/vendor/plugin-telemetry/core/src/TelemetryClient.php',
                'plugintelemetry/vendor/.htaccess',
                'plugintelemetry/vendor/plugin-telemetry/core/src/index.php',
                'plugintelemetry/var/.htaccess',
            ] as $expected
        ) {
            self::assertContains($expected, $names);
        }
        self::assertNotContains('plugintelemetry/var/state.json', $names);
        $pinned = (string) file_get_contents('phar://' . $zip . '/plugintelemetry/pinned_keys.php');
        self::assertStringContainsString("'release-1' => '" . $keys['release-1'] . "'", $pinned);
        ModulePackage::remove($out);
    }

    public function testARepositoryCheckoutPinsNoKeyAndSaysTelemetryIsOff(): void
    {
        $this->installModule();
        $keys = require dirname(__DIR__) . '/plugintelemetry/pinned_keys.php';
        self::assertSame([], $keys, 'keys are pinned at release time only');
        $factory = new ClientFactory(new Settings(), ModuleStateStore::inModule(self::moduleDir()), '1.1.0', $keys);
        self::assertNull($factory->create());
        self::assertStringContainsString('pins no signing key', (string) $factory->problem());
    }

    private function installAgain(): bool
    {
        return $this->request([], [], self::employee(self::SUPER_ADMIN, 1))->install();
    }
}
