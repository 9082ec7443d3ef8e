<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

/**
 * A payment failure (an order of this module moved to "Payment error") becomes an
 * `error` event: recorded after the response, sent by the next refresh. Validated
 * orders are counted for the heartbeat.
 */
final class PaymentFailureTest extends ShopTestCase
{
    public function testAPaymentFailureIsRecordedAfterTheResponseAndDeliveredAsAnErrorEvent(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);
        $this->cron();
        Shop::$orders[7] = ['module' => 'plugintelemetry'];
        Shop::$orders[8] = ['module' => 'ps_wirepayment'];
        $error = new \OrderState((int) \Configuration::get('PS_OS_ERROR'));

        $stateBefore = (string) file_get_contents(self::statePath());
        $requests = $this->requests->count();
        $this->request()->hookActionOrderStatusUpdate(['newOrderStatus' => $error, 'id_order' => 7]);
        // Another module's order, and another state, are none of this module's business.
        $this->request()->hookActionOrderStatusUpdate(['newOrderStatus' => $error, 'id_order' => 8]);
        $this->request()->hookActionOrderStatusUpdate([
            'newOrderStatus' => new \OrderState((int) \Configuration::get('PS_OS_PAYMENT')),
            'id_order' => 7,
        ]);
        self::assertSame($stateBefore, file_get_contents(self::statePath()), 'nothing written during the request');
        self::assertSame($requests, $this->requests->count());

        $this->finishResponse();
        $queue = self::state()['queue'];
        self::assertCount(1, $queue);
        self::assertSame('error', $queue[0]['type']);
        self::assertSame('payment_failed', $queue[0]['error_code']);
        self::assertSame($requests, $this->requests->count(), 'sent by the next refresh, not by the hook');

        usleep(300000);
        $this->cron();
        $delivered = $this->requests->delivered('error');
        self::assertCount(1, $delivered);
        $event = array_values($delivered)[0];
        self::assertSame('payment_failed', $event['error_code']);
        self::assertSame([], self::state()['queue']);
    }

    public function testValidatedOrdersAreCountedInTheHeartbeat(): void
    {
        $merchant = $this->liveMerchant();
        $this->clientOptions['heartbeatIntervalMs'] = 100; // the next heartbeat is due at once
        $this->installModule();
        $this->configure($merchant, true);
        $this->finishResponse(); // the first heartbeat
        Shop::$orders[9] = ['module' => 'plugintelemetry'];
        Shop::$orders[10] = ['module' => 'ps_checkpayment'];
        for ($i = 0; $i < 3; $i++) {
            \Hook::exec('actionValidateOrder', ['order' => new \Order(9)]);
        }
        \Hook::exec('actionValidateOrder', ['order' => new \Order(10)]);
        $this->finishResponse();

        usleep(150000);
        $this->cron();
        $beat = $this->requests->last('/api/v1/plugins/heartbeat');
        self::assertSame(202, $beat['status']);
        self::assertSame(3, $beat['body']['requests_last_hour']);
    }
}
