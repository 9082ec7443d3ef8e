<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\Backoff;

final class BackoffTest extends TestCase
{
    private const NOW = 1767323045000;

    public function testRetryAfterSeconds(): void
    {
        self::assertSame(1000, Backoff::parseRetryAfter('1', self::NOW));
        self::assertSame(120000, Backoff::parseRetryAfter(' 120 ', self::NOW));
    }

    public function testRetryAfterIsClampedToOneSecondAndOneDay(): void
    {
        self::assertSame(1000, Backoff::parseRetryAfter('0', self::NOW));
        self::assertSame(86400000, Backoff::parseRetryAfter('9999999', self::NOW));
        self::assertSame(86400000, Backoff::parseRetryAfter('99999999999999999999', self::NOW));
    }

    public function testRetryAfterHttpDate(): void
    {
        $at = gmdate('D, d M Y H:i:s \G\M\T', intdiv(self::NOW, 1000) + 30);
        self::assertSame(30000, Backoff::parseRetryAfter($at, self::NOW));
        $past = gmdate('D, d M Y H:i:s \G\M\T', intdiv(self::NOW, 1000) - 30);
        self::assertSame(1000, Backoff::parseRetryAfter($past, self::NOW));
    }

    public function testUnreadableRetryAfterIsIgnored(): void
    {
        self::assertNull(Backoff::parseRetryAfter(null, self::NOW));
        self::assertNull(Backoff::parseRetryAfter('', self::NOW));
        self::assertNull(Backoff::parseRetryAfter('-5', self::NOW));
        self::assertNull(Backoff::parseRetryAfter('soon-ish', self::NOW));
    }

    public function testDelayDoublesWithEqualJitterUpToTheCap(): void
    {
        $low = static function (): float {
            return 0.0;
        };
        $high = static function (): float {
            return 0.999999;
        };
        self::assertSame(500, Backoff::delay(1, 1000, 300000, $low));
        self::assertSame(1000, Backoff::delay(1, 1000, 300000, $high));
        self::assertSame(2000, Backoff::delay(3, 1000, 300000, $low));
        self::assertSame(150000, Backoff::delay(40, 1000, 300000, $low));
        self::assertSame(300000, Backoff::delay(40, 1000, 300000, $high));
        self::assertSame(500, Backoff::delay(0, 1000, 300000, $low), 'failures below 1 count as the first');
    }
}
