<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Setup;

use Magento\Framework\Setup\ModuleContextInterface;
use Magento\Framework\Setup\SchemaSetupInterface;
use Magento\Framework\Setup\UninstallInterface;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\Settings;
use PluginTelemetry\Telemetry\Model\StateStore;

/**
 * `bin/magento module:uninstall --remove-data PluginTelemetry_Telemetry` (or "yes" when
 * it asks whether to remove the module's data; Composer installs only): tells ingest
 * the installation is gone (when the merchant consented: the queue first, then
 * `uninstalled`; at most a few requests of 2 s), then deletes the module's
 * configuration and its state row. The uninstall goes on when ingest cannot be reached.
 * (`module:disable` runs nothing: the installation then just stops sending heartbeats.)
 */
class Uninstall implements UninstallInterface
{
    private ClientFactory $clients;
    private Settings $settings;
    private StateStore $store;

    public function __construct(ClientFactory $clients, Settings $settings, StateStore $store)
    {
        $this->clients = $clients;
        $this->settings = $settings;
        $this->store = $store;
    }

    public function uninstall(SchemaSetupInterface $setup, ModuleContextInterface $context)
    {
        $setup->startSetup();
        $client = $this->clients->create();
        if ($client !== null && $client->hasConsent()) {
            $client->uninstalled();
        }
        $this->store->clear();
        $this->settings->deleteAll();
        $setup->endSetup();
    }
}
