<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests;

use PluginTelemetry\PrestaShop\ConfigurationPage;

/**
 * What Ops tell the merchant reaches the back office: an in-app notice (shown once,
 * dismissed = acknowledged to ingest) and a forced update.
 */
final class NoticesTest extends ShopTestCase
{
    /** Notices need a release above the installation's version: the scenarios' 0.0.x line. */
    private const VERSION = '0.0.1';

    public function testANoticeIsShownAndDismissingItAcknowledgesIt(): void
    {
        $merchant = $this->liveMerchant();
        $this->clientOptions['pluginVersion'] = self::VERSION;
        $this->installModule();
        $this->configure($merchant, true);
        $this->cron(); // heartbeat: the installation reaches ingest and PostgreSQL
        $installation = (string) \Configuration::get('PLUGINTELEMETRY_INSTALLATION_ID');

        $message = 'Please upgrade: adapter test';
        $notice = self::live()->notifyUpgrade($installation, $message, 'prestashop', self::VERSION);
        $this->cronUntil(function () use ($notice): bool {
            return strpos($this->dashboardTop(self::employee(self::SUPER_ADMIN, 1)), $notice) !== false;
        }, 10, 'the notice reaching the back office');

        $html = $this->dashboardTop(self::employee(self::SUPER_ADMIN, 1));
        self::assertSame(1, substr_count($html, 'data-plugintelemetry-notice="' . $notice . '"'), 'shown once');
        self::assertStringContainsString('Please upgrade: adapter test', $html);
        $salesman = self::employee(self::SALESMAN, 9);
        self::assertSame('', $this->dashboardTop($salesman), 'not for employees who may not configure');
        usleep(300000);
        $this->cron(); // another poll: still once
        $html = $this->dashboardTop(self::employee(self::SUPER_ADMIN, 1));
        self::assertSame(1, substr_count($html, 'data-plugintelemetry-notice="' . $notice . '"'));

        // The dismiss link, with a wrong token: refused, still shown, nothing sent.
        $link = $this->dismissLink($html, $notice);
        self::assertSame($notice, $link[ConfigurationPage::DISMISS_PARAM]);
        $out = $this->request(['token' => 'forged'] + $link, [], self::employee(self::SUPER_ADMIN, 1))->getContent();
        self::assertStringContainsString('Invalid token', $out);
        self::assertSame([], $this->requests->delivered('notice_acknowledged'));
        // By an employee without the right (with his own valid token): refused too.
        \PluginTelemetry\PrestaShop\Tests\Shim\Shop::newRequest([], [], $salesman);
        $token = \Tools::getAdminTokenLite('AdminModules');
        $out = $this->request(['token' => $token] + $link, [], $salesman)->getContent();
        self::assertStringContainsString('permission', $out);

        // The link as the page gave it: dismissed here, acknowledged to ingest.
        $out = $this->request($link, [], self::employee(self::SUPER_ADMIN, 1))->getContent();
        self::assertStringContainsString('Notice dismissed.', $out);
        $acks = $this->requests->delivered('notice_acknowledged');
        self::assertCount(1, $acks);
        self::assertSame($notice, array_values($acks)[0]['notice_id']);
        self::assertStringNotContainsString($notice, $this->dashboardTop(self::employee(self::SUPER_ADMIN, 1)));

        $deadline = microtime(true) + 5;
        $listed = function () use ($merchant, $installation): array {
            return self::live()->listedNotices($merchant['apiKey'], $installation, 'prestashop', self::VERSION);
        };
        while (in_array($notice, $listed(), true)) {
            self::assertLessThan($deadline, microtime(true), 'ingest stops listing the acknowledged notice');
            usleep(200000);
        }
        usleep(300000);
        $this->cron();
        self::assertStringNotContainsString($notice, $this->dashboardTop(self::employee(self::SUPER_ADMIN, 1)));
    }

    public function testAForcedUpdateIsShownAsAnAlert(): void
    {
        $merchant = $this->liveMerchant();
        $this->installModule();
        $this->configure($merchant, true);
        $this->cron();
        $admin = self::employee(self::SUPER_ADMIN, 1);
        self::assertStringNotContainsString('needs an update', $this->dashboardTop($admin));

        self::live()->setToggle($merchant['id'], 'force_update', true, 'prestashop adapter test', 1);
        $this->cronUntil(function (): bool {
            return strpos($this->dashboardTop(self::employee(self::SUPER_ADMIN, 1)), 'needs an update') !== false;
        }, 10, 'force_update reaching the back office');
        self::assertStringContainsString('alert-danger', $this->dashboardTop(self::employee(self::SUPER_ADMIN, 1)));
        self::assertCount(1, $this->checkoutOptions(), 'a forced update does not block payments');
    }

    private function dashboardTop(\Employee $employee): string
    {
        $this->request(['controller' => 'AdminDashboard'], [], $employee);
        return (string) \Hook::exec('displayDashboardTop');
    }

    private function checkoutOptions(): array
    {
        $this->request();
        return \Hook::exec('paymentOptions', [], null, true)['plugintelemetry'];
    }

    /** @return array<string, string> the query of the notice's dismiss link */
    private function dismissLink(string $html, string $notice): array
    {
        $pattern = '#data-plugintelemetry-notice="' . preg_quote($notice, '#')
            . '".*?<a class="btn[^"]*" href="([^"]+)"#s';
        self::assertSame(1, preg_match($pattern, $html, $m), 'a dismiss link');
        parse_str((string) parse_url(html_entity_decode($m[1], ENT_QUOTES), PHP_URL_QUERY), $query);
        self::assertSame('AdminModules', $query['controller']);
        self::assertSame('plugintelemetry', $query['configure']);
        return $query;
    }
}
