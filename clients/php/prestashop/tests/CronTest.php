<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry\PrestaShop\ClientFactory;

/** The cron controller (system cron) and the cronjobs hook, against live ingest. */
final class CronTest extends ShopTestCase
{
    public function testTheCronSendsTheHeartbeatToLiveIngestThenPolls(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);

        $answer = $this->cron();
        self::assertTrue($answer['ok'], json_encode($answer));
        self::assertSame(202, $answer['status']);
        $beat = $this->requests->last('/api/v1/plugins/heartbeat');
        self::assertSame(202, $beat['status']);
        self::assertSame(ClientFactory::CMS, $beat['body']['cms']);
        self::assertSame(\PluginTelemetry::VERSION, $beat['body']['plugin_version']);
        self::assertSame(_PS_VERSION_, $beat['body']['cms_version']);
        self::assertSame('shop.example', $beat['body']['site_host']);
        self::assertSame(\Configuration::get('PLUGINTELEMETRY_INSTALLATION_ID'), $beat['body']['installation_id']);
        self::assertSame('Bearer <redacted>', ((array) $beat['headers'])['authorization']);

        // The heartbeat's answer carried the signed toggles; the next poll is due after
        // the poll interval, then asks with the ETag it got.
        usleep(300000);
        $answer = $this->cron();
        self::assertTrue($answer['ok'], json_encode($answer));
        self::assertCount(1, $this->requests->to('/api/v1/plugins/heartbeat'), 'one heartbeat an hour');
        self::assertGreaterThanOrEqual(1, $this->requests->count('/api/v1/plugins/config'));

        // The cronjobs module's hook does the same, in its own request.
        usleep(300000);
        $before = $this->requests->count('/api/v1/plugins/config');
        \Hook::exec('actionCronJob');
        self::assertSame($before + 1, $this->requests->count('/api/v1/plugins/config'));
    }

    public function testAWrongCronTokenDoesNothing(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);

        $almost = substr((string) \Configuration::get('PLUGINTELEMETRY_CRON_TOKEN'), 0, -1);
        foreach (['', 'not-the-token', $almost] as $token) {
            $answer = $this->cron($token);
            self::assertFalse($answer['ok']);
            self::assertSame('bad_token', $answer['reason']);
        }
        self::assertSame(0, $this->requests->count());
    }
}
