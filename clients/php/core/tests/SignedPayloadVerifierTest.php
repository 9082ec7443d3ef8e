<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\Ed25519;
use PluginTelemetry\Core\Refusal;
use PluginTelemetry\Core\SignedPayloadVerifier;

final class SignedPayloadVerifierTest extends TestCase
{
    private Signer $signer;
    private SignedPayloadVerifier $verifier;
    private int $now;

    protected function setUp(): void
    {
        $this->signer = new Signer();
        $pinned = [];
        foreach ($this->signer->pinned() as $id => $b64) {
            $pinned[$id] = (string) base64_decode($b64, true);
        }
        $this->verifier = new SignedPayloadVerifier($pinned, Signer::INSTALLATION, 'woocommerce', '2.4.1');
        $this->now = (int) floor(microtime(true) * 1000);
    }

    /** @param mixed $signed */
    private function refusal($signed, ?int $lastIssuedAt = null, bool $received = true): ?string
    {
        return $this->verifier->verify($signed, Signer::MERCHANT, $this->now, $lastIssuedAt, $received)->refusal;
    }

    public function testAnAuthenticPayloadIsAcceptedAndDecoded(): void
    {
        $v = $this->verifier->verify(
            $this->signer->signed(
                ['block_plugin' => true],
                ['toggle_expires_at' => ['block_plugin' => '2099-01-01T00:00:00Z']]
            ),
            Signer::MERCHANT,
            $this->now,
            null,
            true
        );
        self::assertTrue($v->ok());
        self::assertNotNull($v->payload);
        self::assertTrue($v->payload->toggleValue('block_plugin', $this->now));
        self::assertNull($v->payload->toggleValue('block_plugin', 4102444800000), 'ends at its own expiry');
        self::assertNull($v->payload->toggleValue('force_update', $this->now));
        self::assertSame(300, $v->payload->pollIntervalSecs);
    }

    public function testEveryAlterationIsRefused(): void
    {
        $signed = $this->signer->signed(['force_update' => true]);
        $tampered = $signed;
        $added = '"force_update":true,"block_plugin":true';
        $tampered['payload'] = str_replace('"force_update":true', $added, $signed['payload']);
        self::assertNotSame($signed['payload'], $tampered['payload']);
        self::assertSame(Refusal::BAD_SIGNATURE, $this->refusal($tampered));

        $reencoded = $signed;
        $reencoded['payload'] = (string) json_encode(json_decode($signed['payload']), JSON_PRETTY_PRINT);
        self::assertSame(Refusal::BAD_SIGNATURE, $this->refusal($reencoded), 'the exact bytes, never re-serialised');

        self::assertSame(Refusal::BAD_SIGNATURE, $this->refusal(['signature' => 'AAAA'] + $signed));
        self::assertSame(Refusal::UNKNOWN_KEY, $this->refusal(['key_id' => 'rogue-1'] + $signed));
        self::assertSame(Refusal::UNSUPPORTED_ALGORITHM, $this->refusal(['algorithm' => 'HS256'] + $signed));
        self::assertSame(Refusal::MALFORMED, $this->refusal(['payload' => 1] + $signed));
        self::assertSame(Refusal::MISSING, $this->refusal(null));
    }

    public function testAKeyThatIsNotPinnedIsRefusedEvenUnderThePinnedId(): void
    {
        $rogue = new Signer('k1');
        self::assertSame(Refusal::BAD_SIGNATURE, $this->refusal($rogue->signed(['block_plugin' => true])));
    }

    public function testPayloadsBoundToOthersAreRefused(): void
    {
        $other = '11111111-2222-4333-8444-555555555555';
        $s = $this->signer;
        self::assertSame(Refusal::WRONG_INSTALLATION, $this->refusal($s->signed([], ['installation_id' => $other])));
        self::assertSame(Refusal::WRONG_MERCHANT, $this->refusal($this->signer->signed([], ['merchant_id' => $other])));
        self::assertSame(Refusal::WRONG_PLUGIN, $this->refusal($this->signer->signed([], ['cms' => 'magento'])));
        self::assertSame(Refusal::WRONG_PLUGIN, $this->refusal($s->signed([], ['plugin_version' => '2.4.0'])));
    }

    public function testExpiredAndReplayedPayloadsAreRefusedWhenReceived(): void
    {
        $old = $this->signer->signed([], [], $this->now - 8000000);
        self::assertSame(Refusal::EXPIRED, $this->refusal($old));
        self::assertNull($this->refusal($old, null, false), 'the stored last verified state is kept past its expiry');

        $issued = $this->now - 60000;
        $signed = $this->signer->signed([], [], $issued);
        $issuedAt = intdiv($issued, 1000) * 1000;
        self::assertSame(Refusal::REPLAYED, $this->refusal($signed, $issuedAt + 1000));
        self::assertNull($this->refusal($signed, $issuedAt), 'the same second is not a replay');
    }

    public function testAnOlderServersPayloadIsCheckedOnWhatItNames(): void
    {
        $legacy = $this->signer->sign((string) json_encode([
            'installation_id' => Signer::INSTALLATION,
            'toggles' => ['block_plugin' => false],
            'toggle_expires_at' => ['block_plugin' => null],
            'issued_at' => Signer::iso($this->now),
            'expires_at' => Signer::iso($this->now + 60000),
        ]));
        $v = $this->verifier->verify($legacy, Signer::MERCHANT, $this->now, null, true);
        self::assertTrue($v->ok());
        self::assertNotNull($v->payload);
        self::assertFalse($v->payload->hasUpgrade);
        self::assertNull($v->payload->notices);
    }

    public function testAnUnreadableToggleExpiryIsRefusedNotTakenAsNever(): void
    {
        $signed = $this->signer->signed(
            ['block_plugin' => true],
            ['toggle_expires_at' => ['block_plugin' => 'tomorrow']]
        );
        self::assertSame(Refusal::MALFORMED, $this->refusal($signed));
    }

    public function testStrictBase64(): void
    {
        self::assertSame("\x00\x01", Ed25519::decodeBase64('AAE='));
        self::assertNull(Ed25519::decodeBase64('AAE'));
        self::assertNull(Ed25519::decodeBase64('AA-_'));
        self::assertNull(Ed25519::decodeBase64(''));
    }
}
