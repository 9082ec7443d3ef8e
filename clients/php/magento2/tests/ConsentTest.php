<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\DataObject;
use Magento\Framework\Event\ManagerInterface;
use PluginTelemetry\Telemetry\Model\Settings;

/** Opt-in first: without the merchant's consent nothing is sent, and nothing is even queued. */
final class ConsentTest extends StoreTestCase
{
    public function testNothingIsSentOrQueuedBeforeConsentThenTelemetryStarts(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, false);
        $this->finishResponse();

        // Everything that would make telemetry: the cron, a failed and a placed order.
        $this->cron();
        $events = $this->request('frontend')->get(ManagerInterface::class);
        $events->dispatch('sales_model_service_quote_submit_failure', [
            'quote' => self::quote(self::GUARDED),
            'exception' => new \RuntimeException('gateway said no'),
        ]);
        $events->dispatch('checkout_submit_all_after', [
            'order' => self::quote(self::GUARDED),
            'quote' => self::quote(self::GUARDED),
        ]);
        $this->finishResponse();

        self::assertSame(0, $this->requests->count(), 'no request before consent');
        self::assertNull($this->state(), 'no state, so nothing queued');

        self::assertTrue($this->configure($merchant, true)['saved']);
        self::assertSame(0, $this->requests->count(), 'not while the admin page is being sent');
        $this->finishResponse();
        self::assertSame(202, $this->requests->last('/api/v1/plugins/heartbeat')['status']);
        self::assertSame([], $this->requests->delivered('error'));
    }

    public function testWithdrawingConsentDropsWhatWasQueued(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);
        $this->finishResponse();
        $this->request('frontend')->get(ManagerInterface::class)->dispatch('sales_model_service_quote_submit_failure', [
            'quote' => self::quote(self::GUARDED),
            'exception' => new \RuntimeException('declined'),
        ]);
        $this->finishResponse();
        self::assertCount(1, $this->state()['queue']);

        self::admin();
        self::assertTrue($this->saveConfig([Settings::CONSENT => '0'])['saved']);
        $this->finishResponse();
        self::assertSame([], $this->state()['queue'], 'withdrawn: the queue is dropped');
        $before = $this->requests->count();
        $this->cron();
        self::assertSame($before, $this->requests->count());
    }

    /** A quote (or order) paid with `$method`: Magento's models are DataObjects. */
    public static function quote(string $method): DataObject
    {
        return new DataObject(['payment' => new DataObject(['method' => $method])]);
    }
}
