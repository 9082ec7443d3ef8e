<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use PluginTelemetry\Core\TelemetryClient;
use PluginTelemetry\Magento\Build\ComposerArtifacts;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/** The release: two Composer artifacts, the module with its pinned keys and the core it requires. */
final class BuildTest extends StoreTestCase
{
    public function testTheArtifactsCarryTheModuleWithItsKeysAndTheCore(): void
    {
        $out = PT_MAGENTO_TEST_ROOT . '/dist';
        $keys = ['release-1' => base64_encode(str_repeat("\x03", 32))];
        $zips = (new ComposerArtifacts())->build($out, $keys);

        $module = 'phar://' . $zips['module'];
        $composer = json_decode((string) file_get_contents($module . '/composer.json'), true);
        self::assertSame('plugin-telemetry/magento2-telemetry', $composer['name']);
        self::assertSame(ClientFactory::PLUGIN_VERSION, $composer['version']);
        self::assertFileExists($module . '/registration.php');
        self::assertFileExists($module . '/etc/crontab.xml');
        $di = simplexml_load_string((string) file_get_contents($module . '/etc/di.xml'));
        $items = $di->xpath('//argument[@name="pinnedKeys"]/item');
        self::assertCount(1, $items);
        self::assertSame('release-1', (string) $items[0]['name']);
        self::assertSame($keys['release-1'], (string) $items[0]);

        $core = 'phar://' . $zips['core'];
        $coreComposer = json_decode((string) file_get_contents($core . '/composer.json'), true);
        self::assertSame('plugin-telemetry/core', $coreComposer['name']);
        self::assertSame(TelemetryClient::VERSION, $coreComposer['version']);
        self::assertFileExists($core . '/src/TelemetryClient.php');
        self::assertFileDoesNotExist($core . '/tests/TelemetryClientTest.php', 'tests do not ship');
        // The module's requirement accepts the core it ships with.
        self::assertSame('^0.1', $composer['require']['plugin-telemetry/core']);
        self::assertStringStartsWith('0.1.', TelemetryClient::VERSION);

        // The keys as a release pins them are the ones a client built from di.xml uses.
        $om = \PluginTelemetry\Magento\Tests\Shim\Shop::boot(PT_MAGENTO_TEST_ROOT, 'global');
        $om->configure([ClientFactory::class => ['arguments' => ['pinnedKeys' => $keys]]]);
        self::assertStringContainsString('ingest URL', (string) $om->get(ClientFactory::class)->problem());
    }

    public function testABuildWithoutKeysIsRefused(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        (new ComposerArtifacts())->build(PT_MAGENTO_TEST_ROOT . '/dist-none', []);
    }
}
