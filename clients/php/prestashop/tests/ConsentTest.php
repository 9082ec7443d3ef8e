<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry\PrestaShop\Settings;
use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

/** Opt-in first: without the merchant's consent nothing is sent, and nothing is even queued. */
final class ConsentTest extends ShopTestCase
{
    public function testNothingIsSentOrQueuedBeforeConsentThenTelemetryStarts(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, false);
        $this->finishResponse();
        Shop::$orders[41] = ['module' => 'plugintelemetry'];

        // Everything that would make telemetry: back-office pages, the cron (controller
        // and cronjobs hook), a validated order, a payment failure.
        $this->request([], [], self::employee(self::SUPER_ADMIN, 1))->hookDisplayBackOfficeHeader();
        $this->finishResponse();
        $answer = $this->cron();
        self::assertFalse($answer['ok']);
        self::assertSame('no_consent', $answer['reason']);
        \Hook::exec('actionCronJob');
        $this->request()->hookActionValidateOrder(['order' => new \Order(41)]);
        $this->request()->hookActionOrderStatusUpdate([
            'newOrderStatus' => new \OrderState((int) \Configuration::get('PS_OS_ERROR')),
            'id_order' => 41,
        ]);
        $this->finishResponse();

        self::assertSame(0, $this->requests->count(), 'no request before consent');
        $state = self::state();
        self::assertSame([], $state['queue'] ?? [], 'no event queued before consent');

        // Consent given on the configuration page: the first heartbeat goes out after the page.
        $out = $this->configure($merchant, true);
        self::assertStringContainsString('Settings saved.', $out);
        self::assertSame(0, $this->requests->count(), 'not while the page is being sent');
        $this->finishResponse();
        self::assertSame(202, $this->requests->last('/api/v1/plugins/heartbeat')['status']);
        self::assertSame([], $this->requests->delivered('error'), 'what happened before consent is never sent');
    }

    public function testWithdrawingConsentDropsWhatWasQueued(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);
        $this->finishResponse();
        Shop::$orders[42] = ['module' => 'plugintelemetry'];
        $this->request()->hookActionOrderStatusUpdate([
            'newOrderStatus' => new \OrderState((int) \Configuration::get('PS_OS_ERROR')),
            'id_order' => 42,
        ]);
        $this->finishResponse();
        self::assertCount(1, self::state()['queue'], 'the failure waits for the next refresh');

        $this->configure($merchant, false);
        $this->finishResponse();
        self::assertSame('0', \Configuration::get(Settings::CONSENT));
        self::assertSame([], self::state()['queue'], 'withdrawn: the queue is dropped');
        $before = $this->requests->count();
        $this->cron();
        self::assertSame($before, $this->requests->count());
    }
}
