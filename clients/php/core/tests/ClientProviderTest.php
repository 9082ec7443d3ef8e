<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\ClientProvider;
use PluginTelemetry\Core\Logger;
use PluginTelemetry\Core\MemoryStateStore;

final class ClientProviderTest extends TestCase
{
    /** @var list<string> */
    private array $warnings = [];

    /** @return array<string, mixed> */
    private static function options(array $extra = []): array
    {
        return $extra + [
            'ingestUrl' => 'https://ingest.example',
            'apiKey' => 'pt_live_secret_key',
            'pinnedKeys' => (new Signer())->pinned(),
            'pluginVersion' => '1.0.0',
            'cms' => 'magento',
            'store' => new MemoryStateStore(),
        ];
    }

    private function logger(): Logger
    {
        $warnings = &$this->warnings;
        return new MemoryLogger($warnings);
    }

    public function testTheClientIsBuiltOncePerRequestUntilReset(): void
    {
        $reads = 0;
        $provider = new ClientProvider(static function () use (&$reads): array {
            $reads++;
            return self::options();
        });
        $client = $provider->create();
        self::assertNotNull($client);
        self::assertSame($client, $provider->create());
        self::assertNull($provider->problem());
        self::assertSame(1, $reads, 'the settings are read once');
        $provider->reset();
        self::assertNotSame($client, $provider->create());
        self::assertSame(2, $reads);
    }

    public function testWhyThereIsNoClientIsKept(): void
    {
        $answer = 'set the API key to turn telemetry on';
        $provider = new ClientProvider(static function () use (&$answer) {
            return $answer;
        }, null, $this->logger());
        self::assertNull($provider->create());
        self::assertSame('set the API key to turn telemetry on', $provider->problem());

        $answer = null;
        $provider->reset();
        self::assertNull($provider->create());
        self::assertNull($provider->problem(), 'off, with nothing to say');

        $answer = self::options(['ingestUrl' => 'ftp://nowhere']);
        $provider->reset();
        self::assertNull($provider->create());
        self::assertSame('ingestUrl must be an absolute http(s) URL', $provider->problem());
        self::assertSame(['telemetry is off: ingestUrl must be an absolute http(s) URL'], $this->warnings);
        self::assertNull($provider->create(), 'a refused option is not tried again in the same request');
        self::assertCount(1, $this->warnings);
    }

    public function testTheCheckoutGetsNoClientWhileThereIsNoStateAndNeverCreatesOne(): void
    {
        $store = new MemoryStateStore();
        $reads = 0;
        $provider = new ClientProvider(
            static function () use (&$reads, $store): array {
                $reads++;
                return self::options(['store' => $store]);
            },
            static function () use ($store): bool {
                return $store->load() !== null;
            }
        );
        self::assertNull($provider->forCheckout());
        self::assertSame(0, $reads, 'no client is built for a checkout without state');
        self::assertNull($store->load());

        $client = $provider->create();
        self::assertNotNull($client);
        self::assertFalse($client->isBlocked());
        self::assertNull($provider->forCheckout(), 'a read does not create the state either');
        $client->setConsent(false); // a write
        self::assertSame($client, $provider->forCheckout());

        $broken = new ClientProvider(static function (): array {
            return self::options();
        }, static function (): bool {
            throw new \RuntimeException('database gone');
        });
        self::assertNull($broken->forCheckout(), 'a checkout never fails because of telemetry');
        self::assertNotNull((new ClientProvider(static function (): array {
            return self::options();
        }))->forCheckout(), 'without a way to ask, the checkout gets the client');
    }
}
