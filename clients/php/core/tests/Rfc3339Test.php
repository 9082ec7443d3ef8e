<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\Rfc3339;

final class Rfc3339Test extends TestCase
{
    /** @return array<string, array{mixed, ?int}> */
    public function cases(): array
    {
        return [
            'whole seconds, Z' => ['2026-01-02T03:04:05Z', 1767323045000],
            'fraction' => ['2026-01-02T03:04:05.678Z', 1767323045678],
            'long fraction is cut to ms' => ['2026-01-02T03:04:05.678999Z', 1767323045678],
            'positive offset' => ['2026-01-02T05:04:05+02:00', 1767323045000],
            'negative offset' => ['2026-01-01T22:04:05-05:00', 1767323045000],
            'not a day' => ['2026-02-30T00:00:00Z', null],
            'no zone' => ['2026-01-02T03:04:05', null],
            'words' => ['next monday', null],
            'lower-case t' => ['2026-01-02t03:04:05Z', null],
            'not a string' => [1767323045, null],
            'hour 24' => ['2026-01-02T24:00:00Z', null],
        ];
    }

    /**
     * @dataProvider cases
     * @param mixed $input
     */
    public function testParse($input, ?int $expected): void
    {
        self::assertSame($expected, Rfc3339::parse($input));
    }

    public function testFormatRoundTrips(): void
    {
        self::assertSame('2026-01-02T03:04:05.678Z', Rfc3339::format(1767323045678));
        self::assertSame('2026-01-02T03:04:05.000Z', Rfc3339::format(1767323045000));
        self::assertSame(1767323045678, Rfc3339::parse(Rfc3339::format(1767323045678)));
    }
}
