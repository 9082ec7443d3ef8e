<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Observer;

use Magento\Framework\Event\Observer;
use Magento\Framework\Event\ObserverInterface;
use PluginTelemetry\Telemetry\Model\AfterResponse;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\GuardedMethods;

/**
 * `sales_model_service_quote_submit_failure`: placing an order with one of the
 * platform's methods failed (the gateway refused, an exception in the payment step).
 * An `error` event `payment_failed`, queued once the response is sent and delivered by
 * the next cron run. Its message names the exception's class only: a gateway's
 * message may carry the customer's data.
 */
class RecordPaymentFailure implements ObserverInterface
{
    public const ERROR_CODE = 'payment_failed';

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
        $event = $observer->getEvent();
        $quote = $event->getData('quote');
        $payment = is_object($quote) ? $quote->getPayment() : null;
        if (!is_object($payment) || !$this->methods->contains((string) $payment->getMethod())) {
            return;
        }
        $exception = $event->getData('exception');
        $message = 'order placement failed: ' . ($exception instanceof \Throwable ? get_class($exception) : 'unknown');
        $clients = $this->clients;
        $this->afterResponse->defer(static function () use ($clients, $message): void {
            $client = $clients->create();
            if ($client !== null) {
                $client->recordError(self::ERROR_CODE, $message);
            }
        });
    }
}
