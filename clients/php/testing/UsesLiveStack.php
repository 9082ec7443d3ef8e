<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

/**
 * For an adapter's phpunit test case: one LiveStack per test class, and a merchant of
 * the test's own on it. A test that needs the live stack fails, loudly, without one.
 */
trait UsesLiveStack
{
    private static ?LiveStack $live = null;

    /** Names the adapter in merchant names and key labels (`magento`, `prestashop`). */
    abstract protected static function liveAdapterName(): string;

    /** The Ops agent the tests act as, and where its token is cached. */
    abstract protected static function liveAgent(): string;

    abstract protected static function liveCacheDir(): string;

    /** @return array{id: string, apiKey: string} a merchant and an API key of its own */
    protected function liveMerchant(): array
    {
        $why = LiveStack::unavailable();
        if ($why !== null) {
            self::fail("this test needs the live stack: {$why}");
        }
        $adapter = static::liveAdapterName();
        return self::live()->createMerchant("{$adapter} adapter " . $this->getName(), "{$adapter} adapter tests");
    }

    protected static function live(): LiveStack
    {
        if (self::$live === null) {
            self::$live = new LiveStack(static::liveCacheDir(), static::liveAgent());
        }
        return self::$live;
    }
}
