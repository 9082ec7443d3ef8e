<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Event\ManagerInterface;

/**
 * A failed order placement with the platform's method becomes an `error` event:
 * recorded after the response, delivered by the next cron run. Placed orders are
 * counted for the heartbeat.
 */
final class PaymentFailureTest extends StoreTestCase
{
    public function testAPaymentFailureIsRecordedAfterTheResponseAndDeliveredAsAnErrorEvent(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);
        $this->cron();
        $row = (string) file_get_contents(self::flagFile());
        $requests = $this->requests->count();

        $events = $this->request('frontend')->get(ManagerInterface::class);
        $events->dispatch('sales_model_service_quote_submit_failure', [
            'order' => null,
            'quote' => ConsentTest::quote(self::GUARDED),
            'exception' => new \DomainException('Card 4111… declined for jane@example.com'),
        ]);
        // Another method's failure is none of this module's business.
        $events->dispatch('sales_model_service_quote_submit_failure', [
            'quote' => ConsentTest::quote('checkmo'),
            'exception' => new \RuntimeException('x'),
        ]);
        self::assertSame($row, file_get_contents(self::flagFile()), 'nothing written during the request');
        self::assertSame($requests, $this->requests->count());

        $this->finishResponse();
        $queue = $this->state()['queue'];
        self::assertCount(1, $queue);
        self::assertSame('payment_failed', $queue[0]['error_code']);
        self::assertSame('order placement failed: DomainException', $queue[0]['message'], 'never the gateway\'s words');

        usleep(300000);
        $this->cron();
        $delivered = array_values($this->requests->delivered('error'));
        self::assertCount(1, $delivered);
        self::assertSame('payment_failed', $delivered[0]['error_code']);
        self::assertSame([], $this->state()['queue']);
    }

    public function testPlacedOrdersAreCountedInTheHeartbeat(): void
    {
        $merchant = $this->liveMerchant();
        $this->clientOptions['heartbeatIntervalMs'] = 100;
        $this->configure($merchant, true);
        $this->finishResponse(); // the first heartbeat
        $events = $this->request('frontend')->get(ManagerInterface::class);
        foreach ([self::GUARDED, self::GUARDED, 'checkmo'] as $method) {
            $events->dispatch('checkout_submit_all_after', [
                'order' => ConsentTest::quote($method),
                'quote' => ConsentTest::quote($method),
            ]);
        }
        $this->finishResponse();
        usleep(150000);
        $this->cron();
        $beat = $this->requests->last('/api/v1/plugins/heartbeat');
        self::assertSame(202, $beat['status']);
        self::assertSame(2, $beat['body']['requests_last_hour']);
    }
}
