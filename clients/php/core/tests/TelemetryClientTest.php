<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Core\HttpResponse;
use PluginTelemetry\Core\MemoryStateStore;
use PluginTelemetry\Core\Rfc3339;
use PluginTelemetry\Core\StateStore;
use PluginTelemetry\Core\TelemetryClient;

/**
 * The client against an in-process ingest: the rules the conformance scenarios cannot
 * reach on demand (PHP's many workers on one state file, a state file altered on disk,
 * a poison event, HTTP-date Retry-After, unsigned fields that must not be trusted,
 * options), plus the scenarios' rules in miniature.
 */
final class TelemetryClientTest extends TestCase
{
    private const CONFIG = '/api/v1/plugins/config';
    private const EVENT = '/api/v1/plugins/event';
    private const HEARTBEAT = '/api/v1/plugins/heartbeat';

    private string $dir;
    private Signer $signer;
    private int $clock;
    /** @var list<string> */
    private array $warnings = [];

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/pt-client-' . bin2hex(random_bytes(4));
        $this->signer = new Signer();
        $this->clock = (int) floor(microtime(true) * 1000);
    }

    protected function tearDown(): void
    {
        foreach (glob($this->dir . '/*') ?: [] as $f) {
            unlink($f);
        }
        if (is_dir($this->dir)) {
            rmdir($this->dir);
        }
    }

    /** @param array<string, mixed> $extra */
    private function client(FakeIngest $ingest, array $extra = []): TelemetryClient
    {
        $warnings = &$this->warnings;
        $logger = new MemoryLogger($warnings);
        return new TelemetryClient($extra + [
            'ingestUrl' => 'https://ingest.example',
            'apiKey' => 'pt_live_secret_key',
            'pinnedKeys' => $this->signer->pinned(),
            'pluginVersion' => '2.4.1',
            'cms' => 'woocommerce',
            'installationId' => Signer::INSTALLATION,
            'merchantId' => Signer::MERCHANT,
            'consent' => true,
            'statePath' => $this->dir . '/state.json',
            'transport' => $ingest,
            'logger' => $logger,
            'clock' => function (): int {
                return $this->clock;
            },
            'random' => static function (): float {
                return 0.5;
            },
        ]);
    }

    /** An ingest answering config polls and heartbeats with `$signed`, accepting events. */
    private function ingest(?array $signed = null, string $etag = '"e1"'): FakeIngest
    {
        $signed = $signed ?? $this->signer->signed([]);
        return new FakeIngest(static function (array $r) use ($signed, $etag): HttpResponse {
            if ($r['path'] === self::CONFIG) {
                if (($r['headers']['if-none-match'] ?? null) === $etag) {
                    return FakeIngest::json(304);
                }
                return FakeIngest::config($signed, $etag);
            }
            if ($r['path'] === self::HEARTBEAT) {
                return FakeIngest::json(202, [
                    'status' => 'accepted',
                    'signed_toggles' => $signed,
                    'upgrade' => null,
                    'notices' => [],
                    'next_heartbeat_in_secs' => 3600,
                ]);
            }
            return FakeIngest::json(202, ['status' => 'accepted']);
        });
    }

    public function testNothingAtAllIsSentBeforeConsent(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest, ['consent' => false]);
        $c->recordError('before_consent');
        self::assertSame('no_consent', $c->heartbeat()->reason());
        self::assertSame('no_consent', $c->pollConfig()->reason());
        self::assertSame('no_consent', $c->flush()->reason());
        self::assertSame('no_consent', $c->refreshIfDue()->reason());
        self::assertFalse($c->isBlocked());
        self::assertSame([], $ingest->seen);
        $c->setConsent(true);
        self::assertTrue($c->flush()->ok());
        self::assertSame([], $ingest->events(), 'errors before consent were not even queued');
    }

    public function testABlockReachesCheckoutAndCheckoutReadsNeverTouchTheNetwork(): void
    {
        $ingest = $this->ingest($this->signer->signed(['block_plugin' => true]));
        $c = $this->client($ingest);
        self::assertFalse($c->isBlocked());
        self::assertSame(200, $c->pollConfig()->status());
        $before = count($ingest->seen);
        for ($i = 0; $i < 1000; $i++) {
            self::assertTrue($c->isBlocked());
            $c->toggle('force_update');
            $c->debugEnabled();
        }
        self::assertCount($before, $ingest->seen);

        // A new PHP request: a new client on the same file, nothing fetched to know.
        $next = $this->client($ingest);
        self::assertTrue($next->isBlocked());
        self::assertCount($before, $ingest->seen);
    }

    public function testTheEtagIsSentBackAndA304KeepsTheState(): void
    {
        $ingest = $this->ingest($this->signer->signed(['force_update' => true]));
        $c = $this->client($ingest);
        self::assertSame(200, $c->pollConfig()->status());
        $r = $c->pollConfig();
        self::assertSame(304, $r->status());
        self::assertTrue($r->notModified());
        self::assertTrue($c->toggle('force_update'));
        self::assertSame('"e1"', $ingest->to(self::CONFIG)[1]['headers']['if-none-match']);
    }

    public function testAToggleEndsAtItsOwnExpiryAndTheNextPollAsksForAFullAnswer(): void
    {
        $ends = Signer::iso($this->clock + 60000);
        $ingest = $this->ingest($this->signer->signed(
            ['enable_debug' => true],
            ['toggle_expires_at' => ['enable_debug' => $ends]]
        ));
        $c = $this->client($ingest);
        $c->pollConfig();
        self::assertTrue($c->debugEnabled());
        $this->clock += 61000;
        self::assertFalse($c->debugEnabled());
        $c->pollConfig();
        self::assertArrayNotHasKey('if-none-match', $ingest->to(self::CONFIG)[1]['headers']);
    }

    public function testARefusedPayloadKeepsTheLastStateAndIsReportedOncePerStreak(): void
    {
        $good = $this->signer->signed(['force_update' => true]);
        $bad = $good;
        $added = '"force_update":true,"block_plugin":true';
        $bad['payload'] = str_replace('"force_update":true', $added, $good['payload']);
        $answer = $good;
        $ingest = new FakeIngest(static function (array $r) use (&$answer): HttpResponse {
            return $r['path'] === self::CONFIG ? FakeIngest::config($answer) : FakeIngest::json(202);
        });
        $c = $this->client($ingest);
        $c->pollConfig();
        $answer = $bad;
        self::assertSame('bad_signature', $c->pollConfig()->refused());
        self::assertSame('bad_signature', $c->pollConfig()->refused());
        self::assertFalse($c->isBlocked());
        self::assertTrue($c->toggle('force_update'));
        self::assertTrue($c->flush()->ok());
        $reports = array_values(array_filter($ingest->events(), static function (array $e): bool {
            return ($e['error_code'] ?? null) === 'toggle_signature_invalid';
        }));
        self::assertCount(1, $reports);
        self::assertSame(['reason' => 'bad_signature'], $reports[0]['data']);
        self::assertSame([], $ingest->to('/api/v1/plugins/signing-keys'), 'keys are never fetched');
    }

    public function testOnlyTheSignedCopiesCountNeverThePlainOnesBesideThem(): void
    {
        $notice = ['notice_id' => 'n-signed', 'to_version' => '2.5.0', 'upgrade_type' => 'minor', 'priority' => 'low',
            'critical' => false, 'message' => 'signed', 'created_at' => '2026-01-01T00:00:00Z'];
        $signed = $this->signer->signed([], ['notices' => [$notice, $notice]]);
        $ingest = new FakeIngest(static function (array $r) use ($signed, $notice): HttpResponse {
            return FakeIngest::config($signed, '"e"', [
                'toggles' => ['block_plugin' => true],
                'notices' => [['notice_id' => 'n-plain'] + $notice],
                'upgrade' => ['latest_version' => '9.9.9', 'package_url' => 'https://evil.example/x.zip'],
            ]);
        });
        $c = $this->client($ingest);
        self::assertSame(['ok' => true, 'status' => 200], $c->pollConfig()->toArray(), implode(' | ', $this->warnings));
        self::assertFalse($c->isBlocked());
        self::assertSame(['n-signed'], array_column($c->pendingNotices(), 'notice_id'), 'listed twice, shown once');
        self::assertNull($c->upgradeAdvice());
    }

    public function testAcknowledgingHidesTheNoticeAtOnceAndSendsItsId(): void
    {
        $notice = ['notice_id' => 'n1', 'to_version' => '2.5.0', 'upgrade_type' => 'minor', 'priority' => 'normal',
            'critical' => false, 'message' => null, 'created_at' => '2026-01-01T00:00:00Z'];
        $ingest = $this->ingest($this->signer->signed([], ['notices' => [$notice]]));
        $c = $this->client($ingest);
        $c->pollConfig();
        self::assertSame(['n1'], array_column($c->pendingNotices(), 'notice_id'));
        self::assertTrue($c->acknowledgeNotice('n1')->ok());
        self::assertSame([], $c->pendingNotices());
        $c->pollConfig(); // still listed for a moment: still hidden
        self::assertSame([], $c->pendingNotices());
        $acks = array_values(array_filter($ingest->events(), static function (array $e): bool {
            return $e['type'] === 'notice_acknowledged';
        }));
        self::assertSame('n1', $acks[0]['notice_id']);
        self::assertSame('invalid_argument', $c->acknowledgeNotice('')->reason());
    }

    public function testRetryAfterGatesEveryRequestAndTheRetriedHeartbeatKeepsItsId(): void
    {
        $first = true;
        $ingest = new FakeIngest(static function (array $r) use (&$first): HttpResponse {
            if ($first) {
                $first = false;
                $error = ['error' => ['code' => 'kafka_unavailable', 'message' => '', 'field' => null]];
                return FakeIngest::json(503, $error, ['retry-after' => gmdate('D, d M Y H:i:s \G\M\T', time() + 30)]);
            }
            return FakeIngest::json(202, ['status' => 'accepted']);
        });
        $c = $this->client($ingest);
        $r = $c->heartbeat();
        self::assertSame(503, $r->status());
        self::assertSame('kafka_unavailable', $r->code());
        self::assertGreaterThanOrEqual(28000, $r->retryAfterMs());
        $c->recordError('meanwhile');
        self::assertSame('backing_off', $c->pollConfig()->reason());
        self::assertSame('backing_off', $c->flush()->reason());
        self::assertSame('backing_off', $this->client($ingest)->heartbeat()->reason(), 'another worker waits too');
        self::assertCount(1, $ingest->seen);
        $this->clock += 31000;
        self::assertSame(202, $c->heartbeat()->status());
        $ids = array_map(static function (array $r): string {
            return $r['body']['heartbeat_id'];
        }, $ingest->to(self::HEARTBEAT));
        self::assertCount(2, $ids);
        self::assertSame($ids[0], $ids[1]);
    }

    public function testFailuresBackOffExponentiallyAndTimeoutsAreBounded(): void
    {
        $ingest = new FakeIngest(static function (): HttpResponse {
            throw FakeIngest::down();
        });
        $c = $this->client($ingest, ['backoffBaseMs' => 1000, 'backoffMaxMs' => 4000, 'requestTimeoutMs' => 60000]);
        self::assertSame(['ok' => false, 'reason' => 'network', 'retry_after_ms' => 750], $c->pollConfig()->toArray());
        self::assertSame(2000, $ingest->seen[0]['timeout_ms'], 'at most 2 s, whatever the options say');
        $this->clock += 1000;
        self::assertSame(1500, $c->pollConfig()->retryAfterMs());
        $this->clock += 2000;
        self::assertSame(3000, $c->pollConfig()->retryAfterMs());
        $this->clock += 4000;
        self::assertSame(3000, $c->pollConfig()->retryAfterMs(), 'capped');
    }

    public function testEventsQueuedOfflineAreDeliveredOnceAndALostAnswerResendsTheSameIds(): void
    {
        $mode = 'down';
        $ingest = new FakeIngest(static function () use (&$mode): HttpResponse {
            if ($mode === 'down') {
                throw FakeIngest::down();
            }
            return FakeIngest::json(202);
        });
        $c = $this->client($ingest, ['backoffBaseMs' => 10]);
        $c->recordError('offline_a', 'a message');
        $c->recordError('offline_b');
        self::assertSame('network', $c->flush()->reason());
        // The next PHP request, once ingest is back.
        $mode = 'up';
        $this->clock += 1000;
        $later = $this->client($ingest);
        self::assertSame(['ok' => true, 'delivered' => 2], $later->flush()->toArray());
        self::assertSame(['ok' => true, 'delivered' => 0], $this->client($ingest)->flush()->toArray());
        $sent = $ingest->events();
        self::assertCount(4, $sent, 'two attempts of the same two events');
        $ids = array_column($sent, 'event_id');
        self::assertSame(array_slice($ids, 0, 2), array_slice($ids, 2));
        self::assertSame('a message', $sent[2]['message']);
    }

    public function testAPoisonEventIsDroppedAndTheRestDelivered(): void
    {
        $ingest = new FakeIngest(static function (array $r): HttpResponse {
            $events = $r['body']['events'];
            foreach ($events as $i => $e) {
                if ($e['error_code'] === 'poison') {
                    $field = "events[{$i}].error_code";
                    $error = ['error' => ['code' => 'invalid_field', 'message' => '', 'field' => $field]];
                    return FakeIngest::json(422, $error);
                }
            }
            return FakeIngest::json(202);
        });
        $c = $this->client($ingest);
        $c->recordError('fine_1');
        $c->recordError('poison');
        $c->recordError('fine_2');
        self::assertSame(2, $c->flush()->delivered());
        self::assertSame(['fine_1', 'fine_2'], array_column(array_slice($ingest->events(), -2), 'error_code'));
    }

    public function testUninstalledSendsTheQueueThenRemovesTheStateAndStops(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest);
        $c->recordError('last_words');
        self::assertTrue($c->uninstalled()->ok());
        self::assertFileDoesNotExist($this->dir . '/state.json');
        self::assertSame(['error', 'uninstalled'], array_column($ingest->events(), 'type'));
        $count = count($ingest->seen);
        self::assertSame('uninstalled', $c->heartbeat()->reason());
        self::assertSame('uninstalled', $c->refreshIfDue()->reason());
        self::assertCount($count, $ingest->seen);
    }

    public function testRefreshIfDueKeepsTheScheduleAcrossRequestsAndWorkers(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest, ['pollIntervalMs' => 60000]);
        $r = $c->refreshIfDue();
        self::assertSame(202, $r->status(), 'the first refresh is a heartbeat');
        $other = $this->client($ingest);
        self::assertSame('not_due', $other->refreshIfDue()->reason(), 'another worker finds nothing due');
        $this->clock += 61000;
        self::assertSame(200, $this->client($ingest)->refreshIfDue()->status(), 'then a poll');
        self::assertSame('not_due', $c->refreshIfDue()->reason());
        self::assertSame([self::HEARTBEAT, self::CONFIG], array_column($ingest->seen, 'path'));
        self::assertGreaterThan($this->clock, $c->nextRefreshAt());
    }

    public function testARefreshClaimedByAnotherWorkerIsNotRepeated(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest);
        $claimed = null;
        // Inside its heartbeat, a second worker arrives.
        $inner = new FakeIngest(function (array $r) use (&$claimed, $ingest): HttpResponse {
            if ($claimed === null) {
                $claimed = $this->client($ingest)->refreshIfDue()->reason();
            }
            return FakeIngest::json(202);
        });
        $this->client($inner)->refreshIfDue();
        self::assertSame(CallResult::IN_PROGRESS, $claimed);
        self::assertSame([], $ingest->seen);
        unset($c);
    }

    public function testWorkersWritingAtOnceLoseNoEvent(): void
    {
        $ingest = $this->ingest();
        $a = $this->client($ingest);
        $b = $this->client($ingest);
        $a->recordError('from_a'); // b loaded nothing yet, a wrote
        $b->recordError('from_b'); // b reads a's write under the lock before adding its own
        self::assertSame(2, $this->client($ingest)->flush()->delivered());
    }

    public function testAStateFileAlteredOnDiskIsNotTrustedAndTheApiKeyIsNeverWritten(): void
    {
        $ingest = $this->ingest($this->signer->signed(['force_update' => true]));
        $this->client($ingest)->pollConfig();
        $file = $this->dir . '/state.json';
        self::assertStringNotContainsString('pt_live_secret_key', (string) file_get_contents($file));
        $state = json_decode((string) file_get_contents($file), true);
        $payload = $state['signed']['payload'];
        $state['signed']['payload'] = str_replace('"force_update":true', '"block_plugin":true', $payload);
        file_put_contents($file, json_encode($state));
        $c = $this->client($ingest);
        self::assertFalse($c->isBlocked());
        self::assertNull($c->toggle('force_update'));
        file_put_contents($file, '{"v":1,"installation_id":');
        self::assertFalse($this->client($ingest)->isBlocked(), 'a damaged file starts clean');
    }

    public function testAnInstallationIdIsCreatedOnceAndKept(): void
    {
        $ingest = $this->ingest();
        $first = $this->client($ingest, ['installationId' => null])->installationId();
        self::assertMatchesRegularExpression('/^[0-9a-f-]{36}$/', $first);
        self::assertSame($first, $this->client($ingest, ['installationId' => null])->installationId());
    }

    public function testWithdrawingConsentDropsTheQueue(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest);
        $c->recordError('queued');
        $c->setConsent(false);
        $c->setConsent(true);
        self::assertSame(0, $c->flush()->delivered());
    }

    public function testTheHeartbeatCarriesTheFullBody(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest, ['siteHost' => 'shop.example', 'cmsVersion' => '6.7']);
        $c->recordError('card_declined');
        $c->recordRequest();
        $c->heartbeat();
        $body = $ingest->to(self::HEARTBEAT)[0]['body'];
        foreach (
            [
                'installation_id', 'heartbeat_id', 'merchant_id', 'cms', 'plugin_version', 'sdk_language',
                'runtime_version', 'environment', 'site_host', 'errors_last_hour', 'sent_at', 'cms_version',
            ] as $field
        ) {
            self::assertArrayHasKey($field, $body, $field);
        }
        self::assertSame('php', $body['sdk_language']);
        self::assertSame(1, $body['errors_last_hour']);
        self::assertSame(1, $body['requests_last_hour']);
        self::assertSame('card_declined', $body['last_error_code']);
        self::assertSame('Bearer pt_live_secret_key', $ingest->seen[0]['headers']['authorization']);
    }

    public function testReadsNeverWriteTheStateTheFirstChangeDoes(): void
    {
        $ingest = $this->ingest();
        $file = $this->dir . '/state.json';
        $c = $this->client($ingest, ['installationId' => null]);
        self::assertFalse($c->isBlocked());
        self::assertSame([], $c->pendingNotices());
        self::assertNull($c->upgradeAdvice());
        self::assertLessThanOrEqual($this->clock, $c->nextRefreshAt());
        self::assertFileDoesNotExist($file, 'a first read (a checkout) keeps the fresh state in memory');
        $c->recordRequest();
        self::assertFileExists($file);

        $damaged = $this->dir . '/damaged.json';
        file_put_contents($damaged, '{"v":1,"installation_id":');
        $d = $this->client($ingest, ['statePath' => $damaged]);
        self::assertFalse($d->isBlocked());
        self::assertSame('{"v":1,"installation_id":', file_get_contents($damaged), 'a read does not rewrite it');
        self::assertTrue($d->heartbeat()->ok());
        $stored = json_decode((string) file_get_contents($damaged), true);
        self::assertSame(Signer::INSTALLATION, $stored['installation_id']);
    }

    public function testTwoFreshWorkersAgreeOnTheInstallationStoredFirst(): void
    {
        $ingest = $this->ingest();
        $a = $this->client($ingest, ['installationId' => null]);
        $b = $this->client($ingest, ['installationId' => null]);
        self::assertFalse($a->isBlocked());
        self::assertFalse($b->isBlocked()); // both hold a fresh state in memory, with ids of their own
        $a->recordRequest();
        $b->recordRequest();
        self::assertSame($a->installationId(), $b->installationId());
        $a->heartbeat();
        self::assertSame(2, $ingest->to(self::HEARTBEAT)[0]['body']['requests_last_hour']);
    }

    public function testTalliesAreRecordedInOneWriteAtTheTimeTheyHappened(): void
    {
        $ingest = $this->ingest();
        $writes = 0;
        $inner = new MemoryStateStore();
        $store = new class ($inner, $writes) implements StateStore {
            private StateStore $inner;
            private int $writes;

            public function __construct(StateStore $inner, int &$writes)
            {
                $this->inner = $inner;
                $this->writes = &$writes;
            }

            public function load(): ?array
            {
                return $this->inner->load();
            }

            public function update(callable $change): void
            {
                $this->writes++;
                $this->inner->update($change);
            }

            public function clear(): void
            {
                $this->inner->clear();
            }
        };
        $c = $this->client($ingest, ['store' => $store, 'statePath' => null]);
        $c->recordRequest(); // the state exists from here on
        $before = $writes;
        $c->recordRequest(40, $this->clock - 10 * 60000);
        self::assertSame(1, $writes - $before, '40 requests, one write');
        $c->recordRequest(7, $this->clock - 2 * 3600000); // more than an hour ago: not in the heartbeat
        $c->recordRequest(0);
        $c->recordError('card_declined', 'gateway', $this->clock - 30 * 60000);
        $c->heartbeat();
        $beat = $ingest->to(self::HEARTBEAT)[0]['body'];
        self::assertSame(41, $beat['requests_last_hour']);
        self::assertSame(1, $beat['errors_last_hour']);
        $c->flush();
        $error = $ingest->to(self::EVENT)[0]['body']['events'][0];
        self::assertSame(Rfc3339::format($this->clock - 30 * 60000), $error['occurred_at']);
    }

    public function testLifecycleEventsAreQueuedAndSentWithTheirFields(): void
    {
        $ingest = $this->ingest();
        $c = $this->client($ingest);
        self::assertTrue($c->recordEvent('activation'));
        self::assertTrue($c->recordEvent('upgrade_succeeded', [
            'from_version' => '2.4.0',
            'to_version' => '2.4.1',
            'data' => ['steps' => 3, 'ok' => true, 'skip' => ['not', 'scalar']],
            'notice_id' => 7,
        ]));
        self::assertFalse($c->recordEvent('uninstalled'), 'uninstalled() sends that one');
        self::assertFalse($c->recordEvent('party'));
        self::assertCount(2, $this->warnings);
        self::assertSame(2, $c->flush()->delivered());
        $events = $ingest->to(self::EVENT)[0]['body']['events'];
        self::assertSame(['activation', 'upgrade_succeeded'], array_column($events, 'type'));
        self::assertSame('2.4.0', $events[1]['from_version']);
        self::assertSame('2.4.1', $events[1]['to_version']);
        self::assertSame(['steps' => '3', 'ok' => '1'], $events[1]['data']);
        self::assertArrayNotHasKey('notice_id', $events[1]);

        $off = $this->client($this->ingest(), ['consent' => false, 'statePath' => $this->dir . '/off.json']);
        self::assertFalse($off->recordEvent('deactivation'), 'nothing before consent');
    }

    public function testOptionsAreCheckedAtConstruction(): void
    {
        $ingest = $this->ingest();
        foreach (
            [
                ['ingestUrl' => 'ftp://x'],
                ['apiKey' => ' '],
                ['pinnedKeys' => []],
                ['pinnedKeys' => ['k' => 'not base64']],
                ['cms' => 'drupal'],
                ['installationId' => 'nope'],
                ['environment' => 'prod'],
                ['pinned_keys' => ['k' => 'x']],
                ['statePath' => null],
            ] as $bad
        ) {
            try {
                $this->client($ingest, $bad);
                self::fail('accepted ' . json_encode($bad));
            } catch (\InvalidArgumentException $e) {
                self::assertNotSame('', $e->getMessage());
            }
        }
    }

    public function testACheckoutNeverFailsBecauseOfTelemetry(): void
    {
        mkdir($this->dir, 0700, true);
        touch($this->dir . '/file');
        $c = $this->client($this->ingest(), ['statePath' => $this->dir . '/file/state.json']);
        self::assertFalse($c->isBlocked());
        self::assertSame([], $c->pendingNotices());
        $c->recordError('nowhere_to_write');
        self::assertNotSame([], $this->warnings);
    }
}
