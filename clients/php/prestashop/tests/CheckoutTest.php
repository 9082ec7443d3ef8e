<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

/**
 * The kill switch at checkout: Ops set block_plugin for the merchant; once the cron
 * polled, the payment option is gone, and the checkout itself never makes a request
 * nor writes the state.
 */
final class CheckoutTest extends ShopTestCase
{
    public function testBlockPluginHidesThePaymentOptionAndRevokingBringsItBack(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);

        // Before any state exists the checkout creates none, and shows the option.
        self::assertCount(1, $this->paymentOptions());
        self::assertFileDoesNotExist(self::statePath());
        self::assertSame(0, $this->requests->count());

        $this->cron(); // the first heartbeat: the shop now has a verified state, unblocked
        self::assertCount(1, $this->paymentOptions());

        $toggle = self::live()->setToggle($merchant['id'], 'block_plugin', true, 'prestashop adapter test', 1);
        $this->cronUntil(function (): bool {
            return $this->request()->telemetryFactory()->forCheckout()->isBlocked();
        }, 10, 'block_plugin reaching the shop');

        $requests = $this->requests->count();
        $stateBefore = (string) file_get_contents(self::statePath());
        $mtime = filemtime(self::statePath());
        $started = hrtime(true);
        for ($i = 0; $i < 50; $i++) {
            self::assertSame([], $this->paymentOptions(), 'blocked: no payment option');
        }
        $elapsedMs = (hrtime(true) - $started) / 1e6;
        self::assertSame($requests, $this->requests->count(), 'the checkout makes no request');
        clearstatcache();
        self::assertSame($stateBefore, file_get_contents(self::statePath()), 'the checkout writes nothing');
        self::assertSame($mtime, filemtime(self::statePath()));
        self::assertLessThan(500, $elapsedMs, '50 checkouts (each a new request) read locally');

        self::live()->revokeToggle($toggle, 'prestashop adapter test done');
        $this->cronUntil(function (): bool {
            return !$this->request()->telemetryFactory()->forCheckout()->isBlocked();
        }, 10, 'the revoke reaching the shop');
        self::assertCount(1, $this->paymentOptions());
    }

    public function testIngestUnreachableLeavesTheCheckoutAsItWas(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);
        $this->cron();
        // Ingest moves away (a closed port on this machine): refreshes fail within the
        // timeout, the checkout does not notice.
        \Configuration::updateGlobalValue('PLUGINTELEMETRY_INGEST_URL', 'http://127.0.0.1:9');
        usleep(300000);
        $answer = $this->cron();
        self::assertFalse($answer['ok']);
        self::assertSame('network', $answer['reason']);
        self::assertCount(1, $this->paymentOptions());
    }

    /** @return list<\PrestaShop\PrestaShop\Core\Payment\PaymentOption> this module's options in a shopper's request */
    private function paymentOptions(): array
    {
        $this->request(); // a shopper: no employee
        $all = \Hook::exec('paymentOptions', ['cart' => (object) ['id' => 1]], null, true);
        self::assertArrayHasKey('plugintelemetry', $all);
        return $all['plugintelemetry'];
    }
}
