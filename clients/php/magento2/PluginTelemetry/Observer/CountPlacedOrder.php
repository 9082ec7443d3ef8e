<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use PluginTelemetry\Telemetry\Model\AfterResponse;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\GuardedMethods;

/**
 * `checkout_submit_all_after`: an order placed with one of the platform's methods,
 * counted for the heartbeat's `requests_last_hour` once the response is sent.
 */
class CountPlacedOrder implements ObserverInterface
{
    private ClientFactory $clients;
    private GuardedMethods $methods;
    private AfterResponse $afterResponse;

    public function __construct(ClientFactory $clients, GuardedMethods $methods, AfterResponse $afterResponse)
    {
        $this->clients = $clients;
        $this->methods = $methods;
        $this->afterResponse = $afterResponse;
    }

    public function execute(Observer $observer)
    {
        $order = $observer->getEvent()->getData('order');
        $payment = is_object($order) ? $order->getPayment() : null;
        if (!is_object($payment) || !$this->methods->contains((string) $payment->getMethod())) {
            return;
        }
        $clients = $this->clients;
        $this->afterResponse->defer(static function () use ($clients): void {
            $client = $clients->create();
            if ($client !== null) {
                $client->recordRequest();
            }
        });
    }
}
