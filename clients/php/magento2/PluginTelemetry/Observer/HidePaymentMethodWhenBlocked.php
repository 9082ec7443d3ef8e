<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Observer;

use Magento\Framework\DataObject;
use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\GuardedMethods;

/**
 * `payment_method_is_active`: while Ops block the plugin (a verified, unexpired
 * `block_plugin`), its payment methods are not available; the store's other methods
 * stay. Reads only the last verified state (the flag row): no request, no write,
 * whatever ingest is doing.
 */
class HidePaymentMethodWhenBlocked implements ObserverInterface
{
    private ClientFactory $clients;
    private GuardedMethods $methods;

    public function __construct(ClientFactory $clients, GuardedMethods $methods)
    {
        $this->clients = $clients;
        $this->methods = $methods;
    }

    public function execute(Observer $observer)
    {
        $event = $observer->getEvent();
        $method = $event->getData('method_instance');
        $result = $event->getData('result');
        if (!$result instanceof DataObject || !is_object($method) || !$this->methods->contains($method->getCode())) {
            return;
        }
        if (!$result->getData('is_available')) {
            return; // already unavailable for another reason
        }
        $client = $this->clients->forCheckout();
        if ($client !== null && $client->isBlocked()) {
            $result->setData('is_available', false);
        }
    }
}
