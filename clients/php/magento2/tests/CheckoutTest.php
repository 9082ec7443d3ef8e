<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Event\ManagerInterface;
use Magento\Payment\Model\Method\Adapter;

/**
 * The kill switch at checkout: Ops set block_plugin for the merchant; once the cron
 * polled, the platform's payment method is not available (payment_method_is_active),
 * other methods are, and the checkout itself never makes a request nor writes the state.
 */
final class CheckoutTest extends StoreTestCase
{
    public function testBlockPluginHidesTheGuardedMethodOnlyAndRevokingBringsItBack(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);
        self::assertSame([true, true], $this->available());
        self::assertFileDoesNotExist(self::flagFile(), 'the checkout does not create the state');
        self::assertSame(0, $this->requests->count());

        $this->cron();
        self::assertSame([true, true], $this->available());

        $toggle = self::live()->setToggle($merchant['id'], 'block_plugin', true, 'magento adapter test', 1);
        $this->cronUntil(function (): bool {
            return $this->available() === [false, true];
        }, 10, 'block_plugin reaching checkout');

        $requests = $this->requests->count();
        clearstatcache();
        $row = (string) file_get_contents(self::flagFile());
        $mtime = filemtime(self::flagFile());
        $started = hrtime(true);
        for ($i = 0; $i < 50; $i++) {
            self::assertSame([false, true], $this->available(), 'blocked: the platform\'s method only');
        }
        $elapsedMs = (hrtime(true) - $started) / 1e6;
        self::assertSame($requests, $this->requests->count(), 'the checkout makes no request');
        clearstatcache();
        self::assertSame($row, file_get_contents(self::flagFile()), 'the checkout writes nothing');
        self::assertSame($mtime, filemtime(self::flagFile()));
        self::assertLessThan(1000, $elapsedMs, '50 checkouts (each a new request) read locally');

        self::live()->revokeToggle($toggle, 'magento adapter test done');
        $this->cronUntil(function (): bool {
            return $this->available() === [true, true];
        }, 10, 'the revoke reaching checkout');
    }

    /** @return array{0: bool, 1: bool} availability of the guarded method and of Check / Money order, in a storefront request */
    private function available(): array
    {
        $events = $this->request('frontend')->get(ManagerInterface::class);
        return [
            (new Adapter($events, self::GUARDED))->isAvailable(null),
            (new Adapter($events, 'checkmo'))->isAvailable(null),
        ];
    }
}
