<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use PluginTelemetry\Telemetry\Model\AfterResponse;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\Settings;

/**
 * `admin_system_config_changed_section_plugin_telemetry` (Magento_Config, after the
 * section was saved, with the `changed_paths`): consent given, the first heartbeat goes
 * out once the page is sent; consent withdrawn, what was queued is dropped, so nothing
 * recorded before is sent later.
 */
class ConsentChanged implements ObserverInterface
{
    private ClientFactory $clients;
    private Settings $settings;
    private AfterResponse $afterResponse;

    public function __construct(ClientFactory $clients, Settings $settings, AfterResponse $afterResponse)
    {
        $this->clients = $clients;
        $this->settings = $settings;
        $this->afterResponse = $afterResponse;
    }

    public function execute(Observer $observer)
    {
        $changed = (array) $observer->getEvent()->getData('changed_paths');
        $this->clients->reset(); // built from the configuration before the save
        $client = $this->clients->create();
        if ($client === null) {
            return;
        }
        if (in_array(Settings::CONSENT, $changed, true) && !$this->settings->consent()) {
            $client->setConsent(false);
            return;
        }
        if ($this->settings->consent()) {
            $this->afterResponse->defer(static function () use ($client): void {
                $client->refreshIfDue();
            });
        }
    }
}
