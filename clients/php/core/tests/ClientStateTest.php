<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\ClientState;

final class ClientStateTest extends TestCase
{
    public function testRoundTripsThroughJson(): void
    {
        $s = new ClientState(Signer::INSTALLATION);
        $s->enqueue(ClientState::event('error', 1767323045000) + ['error_code' => 'card_declined']);
        $s->errorsByMinute = ClientState::bump([], 1767323045000);
        $s->retryAt = 5;
        $back = ClientState::restore(json_decode((string) json_encode($s->toArray()), true), Signer::INSTALLATION);
        self::assertNotNull($back);
        self::assertSame($s->toArray()['queue'], $back->toArray()['queue']);
        self::assertSame(1, ClientState::lastHour($back->errorsByMinute, 1767323045000));
        self::assertSame(5, $back->retryAt);
    }

    public function testADamagedStateKeepsWhatIsReadable(): void
    {
        $s = ClientState::restore([
            'v' => 1,
            'installation_id' => Signer::INSTALLATION,
            'queue' => [['event_id' => 'e1', 'type' => 'error', 'occurred_at' => 'x'], 'junk', ['type' => 'error']],
            'retry_at' => 'soon',
            'signed' => ['payload' => 1],
            'errors_by_minute' => ['abc' => 1, '29455384' => 2],
        ], null);
        self::assertNotNull($s);
        self::assertCount(1, $s->queue);
        self::assertSame(0, $s->retryAt);
        self::assertNull($s->signed);
        self::assertSame(['29455384' => 2], $s->errorsByMinute);
    }

    public function testAnotherVersionOrInstallationIsNotRestored(): void
    {
        self::assertNull(ClientState::restore(['v' => 2, 'installation_id' => Signer::INSTALLATION], null));
        self::assertNull(ClientState::restore(['v' => 1, 'installation_id' => Signer::INSTALLATION], Signer::MERCHANT));
        self::assertNull(ClientState::restore(null, null));
    }

    public function testTheQueueKeepsTheNewestThousandAndDropsDeliveredById(): void
    {
        $s = new ClientState(Signer::INSTALLATION);
        for ($i = 0; $i < 1005; $i++) {
            $s->enqueue(['event_id' => "e{$i}", 'type' => 'error', 'occurred_at' => 'x']);
        }
        self::assertCount(1000, $s->queue);
        self::assertSame('e5', $s->queue[0]['event_id']);
        self::assertCount(100, $s->nextBatch());
        $s->withoutEvents(['e5', 'e7']);
        self::assertSame(['e6', 'e8'], array_column(array_slice($s->queue, 0, 2), 'event_id'));
        self::assertSame(3, ClientState::refusedEventIndex('events[3].type'));
        self::assertNull(ClientState::refusedEventIndex('installation_id'));
    }

    public function testCountersForgetMinutesOlderThanAnHour(): void
    {
        $t = 1767323045000;
        $c = ClientState::bump(ClientState::bump([], $t - 3600000), $t);
        self::assertSame(1, ClientState::lastHour($c, $t));
        self::assertCount(1, $c);
    }

    public function testAnAcknowledgementIsForgottenOnceTheServerStopsListingTheNotice(): void
    {
        $s = new ClientState(Signer::INSTALLATION);
        $n = ['notice_id' => 'n1', 'to_version' => '2', 'upgrade_type' => 'minor', 'priority' => 'normal',
            'critical' => false, 'message' => null, 'created_at' => ''];
        $s->withNotices([$n]);
        $s->acknowledged = ['n1'];
        self::assertSame([], $s->pendingNotices());
        $s->withNotices([$n]);
        self::assertSame(['n1'], $s->acknowledged, 'still listed: still hidden');
        $s->withNotices([]);
        self::assertSame([], $s->acknowledged);
    }
}
