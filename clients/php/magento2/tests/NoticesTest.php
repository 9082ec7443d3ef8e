<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests;

use Magento\Framework\Message\ManagerInterface as Messages;
use Magento\Framework\Notification\MessageInterface;
use Magento\Framework\Notification\MessageList;
use PluginTelemetry\Magento\Tests\Shim\AdminRouter;
use PluginTelemetry\Magento\Tests\Shim\Database;
use PluginTelemetry\Telemetry\Model\System\Message\InAppNotices;
use PluginTelemetry\Telemetry\Model\System\Message\UpgradeRequired;

/**
 * What Ops tell the merchant reaches the admin's system messages: an in-app notice
 * (shown once; Dismiss = acknowledged to ingest) and a forced update.
 */
final class NoticesTest extends StoreTestCase
{
    /** Notices need a release above the installation's version: the scenarios' 0.0.x line. */
    private const VERSION = '0.0.1';

    public function testANoticeIsShownAndDismissingItAcknowledgesIt(): void
    {
        $merchant = $this->liveMerchant();
        $this->clientOptions['pluginVersion'] = self::VERSION;
        $this->configure($merchant, true);
        $this->cron();
        $installation = (string) $this->state()["installation_id"];

        $notice = self::live()->notifyUpgrade($installation, 'Please upgrade: magento test', 'magento', self::VERSION);
        $this->cronUntil(function () use ($notice): bool {
            return strpos($this->noticesText(), $notice) !== false;
        }, 10, 'the notice reaching the admin');

        $text = $this->noticesText();
        self::assertSame(1, substr_count($text, 'data-plugin-telemetry-notice="' . $notice . '"'), 'shown once');
        self::assertStringContainsString('Please upgrade: magento test', $text);
        self::admin(['Magento_Backend::stores']);
        $shown = $this->message(InAppNotices::class)->isDisplayed();
        self::assertFalse($shown, 'not for roles without the notices resource');
        self::admin();

        self::assertSame(1, preg_match('#href="([^"]+/notice/dismiss/[^"]+)"#', $text, $m));
        $url = html_entity_decode($m[1], ENT_QUOTES);
        self::assertStringContainsString('/key/', $url, 'the admin URL carries its secret key');

        // A forged key, then a role without the resource: refused, nothing sent.
        $forged = (string) preg_replace('#/key/[^/]+/#', '/key/forged/', $url);
        $result = (new AdminRouter($this->request('adminhtml')))->dispatch($forged);
        self::assertSame('path:admin/dashboard', $result->target);
        self::admin(['Magento_Backend::stores']);
        self::assertSame(['denied' => 403], (new AdminRouter($this->request('adminhtml')))->dispatch($url));
        self::assertSame([], $this->requests->delivered('notice_acknowledged'));
        self::admin();
        self::assertStringContainsString($notice, $this->noticesText(), 'still shown');

        // The link as the message gave it.
        $om = $this->request('adminhtml');
        $result = (new AdminRouter($om))->dispatch($url);
        self::assertSame('referer', $result->target);
        self::assertSame([['success', 'Notice dismissed.']], $om->get(Messages::class)->messages);
        $acks = array_values($this->requests->delivered('notice_acknowledged'));
        self::assertCount(1, $acks);
        self::assertSame($notice, $acks[0]['notice_id']);
        self::assertFalse($this->message(InAppNotices::class)->isDisplayed());

        $deadline = microtime(true) + 5;
        $listed = function () use ($merchant, $installation): array {
            return self::live()->listedNotices($merchant['apiKey'], $installation, 'magento', self::VERSION);
        };
        while (in_array($notice, $listed(), true)) {
            self::assertLessThan($deadline, microtime(true), 'ingest stops listing the acknowledged notice');
            usleep(200000);
        }
        usleep(300000);
        $this->cron();
        self::assertFalse($this->message(InAppNotices::class)->isDisplayed());
    }

    public function testAForcedUpdateIsACriticalSystemMessage(): void
    {
        $merchant = $this->liveMerchant();
        $this->configure($merchant, true);
        $this->cron();
        // Upgrade advice may be shown already (the registry has newer magento releases):
        // it is not forced.
        self::assertStringNotContainsString('needs an update now', $this->message(UpgradeRequired::class)->getText());

        self::live()->setToggle($merchant['id'], 'force_update', true, 'magento adapter test', 1);
        $this->cronUntil(function (): bool {
            $m = $this->message(UpgradeRequired::class);
            return $m->isDisplayed() && strpos($m->getText(), 'needs an update now') !== false;
        }, 10, 'force_update reaching the admin');
        $message = $this->message(UpgradeRequired::class);
        self::assertSame(MessageInterface::SEVERITY_CRITICAL, $message->getSeverity());
        self::assertStringContainsString('needs an update now', $message->getText());
        self::assertStringContainsString('composer update plugin-telemetry/magento2-telemetry', $message->getText());
    }

    private function message(string $class): MessageInterface
    {
        foreach ($this->request('adminhtml')->get(MessageList::class)->asArray() as $m) {
            if ($m instanceof $class) {
                return $m;
            }
        }
        self::fail("{$class} is not among the admin's system messages");
    }

    private function noticesText(): string
    {
        $m = $this->message(InAppNotices::class);
        return $m->isDisplayed() ? (string) $m->getText() : '';
    }
}
