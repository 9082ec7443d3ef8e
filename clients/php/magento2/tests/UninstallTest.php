<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Setup\ModuleContextInterface;
use Magento\Framework\Setup\SchemaSetupInterface;
use PluginTelemetry\Magento\Tests\Shim\Database;
use PluginTelemetry\Telemetry\Model\Settings;
use PluginTelemetry\Telemetry\Setup\Uninstall;

/** `module:uninstall --remove-data`: `uninstalled` to ingest, then the configuration and the state go. */
final class UninstallTest extends StoreTestCase
{
    public function testUninstallSendsUninstalledThenRemovesConfigurationAndState(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);
        $this->cron();
        self::assertFileExists(self::flagFile());

        $this->uninstall();

        self::assertCount(1, $this->requests->delivered('uninstalled'));
        foreach (Settings::ALL as $path) {
            self::assertArrayNotHasKey($path, Database::$coreConfigData, $path);
        }
        self::assertFileDoesNotExist(self::flagFile());
    }

    public function testUninstallWithoutConsentSendsNothing(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, false);
        $this->finishResponse();
        $this->uninstall();
        self::assertSame(0, $this->requests->count());
        self::assertArrayNotHasKey(Settings::API_KEY, Database::$coreConfigData);
    }

    private function uninstall(): void
    {
        $setup = new class implements SchemaSetupInterface {
            public int $depth = 0;

            public function startSetup()
            {
                $this->depth++;
                return $this;
            }

            public function endSetup()
            {
                $this->depth--;
                return $this;
            }
        };
        $context = new class implements ModuleContextInterface {
            public function getVersion()
            {
                return '';
            }
        };
        $this->request('global')->create(Uninstall::class)->uninstall($setup, $context);
        self::assertSame(0, $setup->depth);
    }
}
