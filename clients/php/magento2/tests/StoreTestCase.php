<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Magento\Tests\Shim\ConfigSave;
use PluginTelemetry\Magento\Tests\Shim\CronRunner;
use PluginTelemetry\Magento\Tests\Shim\Database;
use PluginTelemetry\Magento\Tests\Shim\ObjectManager;
use PluginTelemetry\Magento\Tests\Shim\Shop;
use PluginTelemetry\Telemetry\Model\AfterResponse;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\Settings;
use PluginTelemetry\Telemetry\Model\StateStore;
use PluginTelemetry\Testing\LiveStack;
use PluginTelemetry\Testing\RequestLog;
use PluginTelemetry\Testing\UsesLiveStack;

/**
 * One shim store per test (empty core_config_data, no flag row), the module in it, and
 * the requests its telemetry client makes recorded at its edge. Each "request" of a
 * test is a new object manager for its area (frontend, adminhtml, crontab): fresh
 * shared instances, as a new PHP request has; the database and the flag table stay.
 */
abstract class StoreTestCase extends TestCase
{
    use UsesLiveStack;

    /** The payment method code the module guards (etc/di.xml). */
    public const GUARDED = 'plugintelemetry_card';

    protected RequestLog $requests;
    /** @var array<string, mixed> core options set in code (ClientFactory's `options` argument) */
    protected array $clientOptions = [];
    /** @var list<ObjectManager> */
    private array $requestsMade = [];

    protected function setUp(): void
    {
        Database::reset();
        foreach (glob(PT_MAGENTO_TEST_ROOT . '/var/shim-db/flag/*') ?: [] as $f) {
            unlink($f);
        }
        $this->requests = new RequestLog();
        // Short intervals so a test sees a toggle within seconds; a store keeps the
        // signed interval (300 s) and the server's heartbeat interval (1 h).
        $this->clientOptions = ['transport' => $this->requests->transport(), 'pollIntervalMs' => 200];
    }

    protected function tearDown(): void
    {
        $this->finishResponse();
    }

    /** A new request in `$area`, with the release's keys pinned as a release build would. */
    protected function request(string $area): ObjectManager
    {
        $om = Shop::boot(PT_MAGENTO_TEST_ROOT, $area);
        $om->configure([ClientFactory::class => ['arguments' => [
            'pinnedKeys' => self::pinnedKeys(),
            'options' => $this->clientOptions,
        ]]]);
        $this->requestsMade[] = $om;
        return $om;
    }

    /** Every request's response was sent: what they deferred runs now. */
    protected function finishResponse(): void
    {
        $made = $this->requestsMade;
        $this->requestsMade = [];
        foreach ($made as $om) {
            $om->get(AfterResponse::class)->run();
        }
    }

    /** @return array<string, string> the dev stack's keys (or a stand-in without a stack) */
    protected static function pinnedKeys(): array
    {
        try {
            return LiveStack::pinnedKeys();
        } catch (\RuntimeException $e) {
            return ['no-stack' => base64_encode(str_repeat("\x02", 32))];
        }
    }

    /** An admin logged in with these ACL resources (all of them by default). */
    protected static function admin(array $resources = ['Magento_Backend::all']): void
    {
        Database::$adminResources = $resources;
    }

    /**
     * Stores > Configuration > Sales > Plugin Telemetry > Save, as the logged-in admin.
     *
     * @param array<string, string> $values path => value
     * @return array{saved: bool, message: string}
     */
    protected function saveConfig(array $values, ?string $formKey = null): array
    {
        $groups = [];
        foreach ($values as $path => $value) {
            [, $group, $field] = explode('/', $path);
            $groups[$group]['fields'][$field] = ['value' => $value];
        }
        $om = $this->request('adminhtml');
        return (new ConfigSave($om))->save('plugin_telemetry', $groups, $formKey ?? Database::$formKey);
    }

    /** @param array{id: string, apiKey: string} $merchant */
    protected function configure(array $merchant, bool $consent): array
    {
        self::admin();
        return $this->saveConfig([
            Settings::CONSENT => $consent ? '1' : '0',
            Settings::INGEST_URL => LiveStack::ingestUrl(),
            Settings::API_KEY => $merchant['apiKey'],
            Settings::MERCHANT_ID => $merchant['id'],
        ]);
    }

    /** The module's cron job, as `cron:run --group=plugin_telemetry` runs it. */
    protected function cron()
    {
        return (new CronRunner($this->request('crontab')))->run('plugin_telemetry_refresh');
    }

    protected function cronUntil(callable $until, float $withinSeconds, string $what): void
    {
        $deadline = microtime(true) + $withinSeconds;
        for (;;) {
            $this->cron();
            if ($until()) {
                return;
            }
            if (microtime(true) > $deadline) {
                self::fail("{$what} did not happen within {$withinSeconds} s");
            }
            usleep(200000);
        }
    }

    /** @return array<string, mixed>|null the flag row's state */
    protected function state(): ?array
    {
        return $this->request('global')->get(StateStore::class)->load();
    }

    protected static function flagFile(): string
    {
        return PT_MAGENTO_TEST_ROOT . '/var/shim-db/flag/' . StateStore::FLAG_CODE . '.json';
    }

    protected static function liveAdapterName(): string
    {
        return 'magento';
    }

    protected static function liveAgent(): string
    {
        return 'magento2-adapter-tests';
    }

    protected static function liveCacheDir(): string
    {
        return dirname(__DIR__) . '/tests/.cache';
    }
}
