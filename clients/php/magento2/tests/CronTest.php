<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/** The module's cron job (its own group), against live ingest. */
final class CronTest extends StoreTestCase
{
    public function testTheCronSendsTheHeartbeatToLiveIngestThenPolls(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);

        $result = $this->cron();
        self::assertInstanceOf(CallResult::class, $result);
        self::assertTrue($result->ok(), json_encode($result->toArray()));
        $beat = $this->requests->last('/api/v1/plugins/heartbeat');
        self::assertSame(202, $beat['status']);
        self::assertSame(ClientFactory::CMS, $beat['body']['cms']);
        self::assertSame(ClientFactory::PLUGIN_VERSION, $beat['body']['plugin_version']);
        self::assertSame('2.4.7', $beat['body']['cms_version']);
        self::assertSame('magento.example', $beat['body']['site_host']);
        self::assertSame('Bearer <redacted>', ((array) $beat['headers'])['authorization']);
        self::assertSame($beat['body']['installation_id'], $this->state()['installation_id'], 'kept in the flag row');

        usleep(300000);
        self::assertTrue($this->cron()->ok());
        self::assertCount(1, $this->requests->to('/api/v1/plugins/heartbeat'), 'one heartbeat an hour');
        self::assertGreaterThanOrEqual(1, $this->requests->count('/api/v1/plugins/config'));
        self::assertSame(CallResult::NOT_DUE, $this->cron()->reason(), 'right after a poll nothing is due');
    }

    public function testWithoutConfigurationTheCronDoesNothing(): void
    {
        self::assertNull($this->cron());
        self::assertSame(0, $this->requests->count());
        self::assertNull($this->state());
    }
}
