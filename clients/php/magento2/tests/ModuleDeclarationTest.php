<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Component\ComponentRegistrar;
use Magento\Framework\Event\ObserverInterface;
use Magento\Framework\Notification\MessageInterface;
use Magento\Framework\Notification\MessageList;
use PluginTelemetry\Magento\Tests\Shim\CronRunner;
use PluginTelemetry\Magento\Tests\Shim\ModuleFiles;
use PluginTelemetry\Telemetry\Controller\Adminhtml\Notice\Dismiss;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/**
 * What Magento reads from the module before any of its code runs: registration,
 * composer.json, and every etc/ file, each naming classes and resources that exist.
 */
final class ModuleDeclarationTest extends StoreTestCase
{
    private const ROOT = __DIR__ . '/../PluginTelemetry';

    public function testTheModuleIsRegisteredUnderItsNameAndComposerAgrees(): void
    {
        $path = (new ComponentRegistrar())->getPath(ComponentRegistrar::MODULE, 'PluginTelemetry_Telemetry');
        self::assertSame(realpath(self::ROOT), realpath((string) $path));
        $module = simplexml_load_file(self::ROOT . '/etc/module.xml');
        self::assertSame('PluginTelemetry_Telemetry', (string) $module->module['name']);
        $composer = json_decode((string) file_get_contents(self::ROOT . '/composer.json'), true);
        self::assertSame('magento2-module', $composer['type']);
        self::assertSame(ClientFactory::PLUGIN_VERSION, $composer['version']);
        self::assertSame('', $composer['autoload']['psr-4']['PluginTelemetry\\Telemetry\\']);
        self::assertContains('registration.php', $composer['autoload']['files']);
        self::assertArrayHasKey('plugin-telemetry/core', $composer['require']);
    }

    public function testEveryEtcFileIsWellFormedAndNamesWhatExists(): void
    {
        foreach (glob(self::ROOT . '/etc/{,*/}*.xml', GLOB_BRACE) ?: [] as $file) {
            self::assertNotFalse(simplexml_load_file($file), $file);
        }
        // Events: each observer is a class implementing ObserverInterface.
        foreach (['global', 'adminhtml'] as $area) {
            foreach (ModuleFiles::xml('events.xml', $area) as $xml) {
                foreach ($xml->xpath('//observer') ?: [] as $o) {
                    $class = (string) $o['instance'];
                    self::assertTrue(is_subclass_of($class, ObserverInterface::class), $class);
                }
            }
        }
        // Cron: the job's class and method exist; its group is the module's own.
        $crontab = simplexml_load_file(self::ROOT . '/etc/crontab.xml');
        $job = $crontab->group->job;
        self::assertSame('plugin_telemetry', (string) $crontab->group['id']);
        self::assertTrue(method_exists((string) $job['instance'], (string) $job['method']));
        self::assertContains('plugin_telemetry', CronRunner::groups());
        $groups = simplexml_load_file(self::ROOT . '/etc/cron_groups.xml');
        self::assertSame('1', (string) $groups->group->use_separate_process);
        // ACL: the section and the notices use resources acl.xml declares.
        $declared = \Magento\Framework\Authorization::declared();
        $system = simplexml_load_file(self::ROOT . '/etc/adminhtml/system.xml');
        self::assertArrayHasKey((string) $system->system->section->resource, $declared);
        self::assertArrayHasKey(Dismiss::ADMIN_RESOURCE, $declared);
        // system.xml fields are the paths the module reads.
        $paths = [];
        foreach ($system->xpath('//section/group/field') ?: [] as $f) {
            $group = $f->xpath('..')[0];
            $paths[] = 'plugin_telemetry/' . $group['id'] . '/' . $f['id'];
        }
        sort($paths);
        $expected = \PluginTelemetry\Telemetry\Model\Settings::ALL;
        sort($expected);
        self::assertSame($expected, $paths);
    }

    public function testTheAdminSystemMessagesAreRegisteredAndStayHiddenWithoutTelemetry(): void
    {
        self::admin();
        $messages = $this->request('adminhtml')->get(MessageList::class)->asArray();
        $classes = array_map('get_class', array_values($messages));
        self::assertContains(\PluginTelemetry\Telemetry\Model\System\Message\UpgradeRequired::class, $classes);
        self::assertContains(\PluginTelemetry\Telemetry\Model\System\Message\InAppNotices::class, $classes);
        self::assertContains(\PluginTelemetry\Telemetry\Model\System\Message\TelemetryOff::class, $classes);
        foreach ($messages as $m) {
            self::assertInstanceOf(MessageInterface::class, $m);
            self::assertFalse($m->isDisplayed(), 'nothing to show before telemetry is configured');
        }
    }

    public function testTheRepositoryPinsNoKeyAndSaysTelemetryIsOff(): void
    {
        $di = simplexml_load_file(self::ROOT . '/etc/di.xml');
        $pinned = $di->xpath(
            '//type[@name="PluginTelemetry\Telemetry\Model\ClientFactory"]/arguments/argument[@name="pinnedKeys"]'
        );
        self::assertCount(0, $pinned[0]->item, 'keys are pinned at release time only');
        // A request wired from the module's di.xml alone (no test keys).
        $om = \PluginTelemetry\Magento\Tests\Shim\Shop::boot(PT_MAGENTO_TEST_ROOT, 'global');
        $factory = $om->get(ClientFactory::class);
        self::assertNull($factory->create());
        self::assertStringContainsString('pins no signing key', (string) $factory->problem());
    }
}
