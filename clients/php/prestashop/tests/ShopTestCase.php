<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use Employee;
use Module;
use PHPUnit\Framework\TestCase;
use PluginTelemetry;
use PluginTelemetry\PrestaShop\ConfigurationPage;
use PluginTelemetry\PrestaShop\Settings;
use PluginTelemetry\PrestaShop\Tests\Shim\Shop;
use PluginTelemetry\Testing\LiveStack;
use PluginTelemetry\Testing\RequestLog;
use PluginTelemetry\Testing\UsesLiveStack;
use Tools;

/**
 * One shim shop per test (tests/shim/Shop.php: empty configuration, no module
 * installed), the module installed in it from the release folder bootstrap built, and
 * the requests its telemetry client makes recorded at its edge. Every "request" of a
 * test is a new PrestaShop request: fresh module instance, context and parameters,
 * same database and same state file (as on a shop).
 */
abstract class ShopTestCase extends TestCase
{
    use UsesLiveStack;

    public const SUPER_ADMIN = 1;
    /** A profile that may view AdminModules (and so configure installed modules). */
    public const MANAGER = 2;
    /** A profile that may not. */
    public const SALESMAN = 3;

    protected RequestLog $requests;
    /** @var array<string, mixed> core options the test sets in code (ClientFactory::override) */
    protected array $clientOptions = [];

    protected function setUp(): void
    {
        Shop::reset();
        self::removeState();
        $this->requests = new RequestLog();
        // Short intervals so a test sees a toggle within seconds; a real shop keeps the
        // signed interval (300 s) and the server's heartbeat interval (1 h).
        $this->clientOptions = ['transport' => $this->requests->transport(), 'pollIntervalMs' => 200];
    }

    protected function tearDown(): void
    {
        PluginTelemetry::afterResponse()->run(); // nothing a test deferred leaks into the next
    }

    protected static function removeState(): void
    {
        foreach (glob(self::moduleDir() . 'var/state.json*') ?: [] as $f) {
            @unlink($f);
        }
    }

    protected static function moduleDir(): string
    {
        return _PS_MODULE_DIR_ . 'plugintelemetry/';
    }

    protected static function statePath(): string
    {
        return self::moduleDir() . 'var/state.json';
    }

    /** @return array<string, mixed>|null the state file, decoded */
    protected static function state(): ?array
    {
        $text = @file_get_contents(self::statePath());
        return $text === false ? null : json_decode($text, true);
    }

    protected static function employee(int $profile, int $id = 7): Employee
    {
        return new Employee($id, $profile);
    }

    /**
     * A new request, and the module instance PrestaShop builds for it.
     *
     * @param array<string, mixed> $get
     * @param array<string, mixed> $post
     */
    protected function request(array $get = [], array $post = [], ?Employee $employee = null): PluginTelemetry
    {
        Shop::newRequest($get, $post, $employee);
        $module = Module::getInstanceByName('plugintelemetry');
        self::assertInstanceOf(PluginTelemetry::class, $module);
        $module->telemetryFactory()->override($this->clientOptions);
        return $module;
    }

    /** The response was sent: what the request deferred runs now. */
    protected function finishResponse(): void
    {
        PluginTelemetry::afterResponse()->run();
    }

    protected function installModule(): PluginTelemetry
    {
        $module = $this->request([], [], self::employee(self::SUPER_ADMIN, 1));
        self::assertTrue($module->install(), implode('; ', $module->getErrors()));
        return $module;
    }

    /**
     * Posts the configuration form as an employee, with the page's own token unless
     * another is given; returns what the page printed.
     *
     * @param array<string, string> $fields
     */
    protected function postSettings(array $fields, ?Employee $employee = null, ?string $token = null): string
    {
        $employee = $employee ?? self::employee(self::SUPER_ADMIN, 1);
        Shop::newRequest([], [], $employee);
        $token = $token ?? (string) Tools::getAdminTokenLite('AdminModules');
        $post = $fields + [ConfigurationPage::SUBMIT => '1', 'token' => $token];
        $module = $this->request(['controller' => 'AdminModules', 'configure' => 'plugintelemetry'], $post, $employee);
        return $module->getContent();
    }

    /** @param array{id: string, apiKey: string} $merchant */
    protected function configure(array $merchant, bool $consent): string
    {
        return $this->postSettings([
            Settings::INGEST_URL => LiveStack::ingestUrl(),
            Settings::API_KEY => $merchant['apiKey'],
            Settings::MERCHANT_ID => $merchant['id'],
            Settings::CONSENT => $consent ? '1' : '0',
        ]);
    }

    protected static function liveAdapterName(): string
    {
        return 'prestashop';
    }

    protected static function liveAgent(): string
    {
        return 'prestashop-adapter-tests';
    }

    protected static function liveCacheDir(): string
    {
        return dirname(__DIR__) . '/tests/.cache';
    }

    /** Runs the cron controller as the system cron would; returns its decoded answer. */
    protected function cron(?string $token = null): array
    {
        $token = $token ?? (string) \Configuration::get(Settings::CRON_TOKEN);
        // The controller gets this request's module instance, with the test's options.
        $this->request(['fc' => 'module', 'module' => 'plugintelemetry', 'controller' => 'cron', 'token' => $token]);
        $out = \ModuleFrontController::dispatch('plugintelemetry', 'cron');
        return (array) json_decode($out, true);
    }

    /** Runs the cron until `$until` holds (a fresh request each time), or fails. */
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
}
