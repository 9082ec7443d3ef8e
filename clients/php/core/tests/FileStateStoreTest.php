<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\FileStateStore;

final class FileStateStoreTest extends TestCase
{
    private string $dir;

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir() . '/pt-store-' . bin2hex(random_bytes(4));
    }

    protected function tearDown(): void
    {
        self::remove($this->dir);
    }

    private static function remove(string $path): void
    {
        if (is_dir($path)) {
            foreach (scandir($path) ?: [] as $entry) {
                if ($entry !== '.' && $entry !== '..') {
                    self::remove($path . '/' . $entry);
                }
            }
            rmdir($path);
        } elseif (is_file($path)) {
            unlink($path);
        }
    }

    public function testUpdateWritesAWholeFileReadableByItsOwnerOnly(): void
    {
        $store = new FileStateStore($this->dir . '/nested/state.json');
        self::assertNull($store->load());
        $store->update(static function (?array $current): array {
            self::assertNull($current);
            return ['v' => 1, 'n' => 1];
        });
        $store->update(static function (?array $current): array {
            return ['v' => 1, 'n' => ($current['n'] ?? 0) + 1];
        });
        self::assertSame(['v' => 1, 'n' => 2], $store->load());
        self::assertSame(0600, fileperms($this->dir . '/nested/state.json') & 0777);
        self::assertSame(0700, fileperms($this->dir . '/nested') & 0777);
        self::assertSame([], glob($this->dir . '/nested/*.tmp'), 'no temporary file is left behind');
        $store->clear();
        self::assertNull($store->load());
        self::assertFileDoesNotExist($this->dir . '/nested/state.json.lock');
    }

    public function testADamagedFileReadsAsNoState(): void
    {
        mkdir($this->dir, 0700, true);
        file_put_contents($this->dir . '/state.json', '{"v": 1, "queue": [');
        self::assertNull((new FileStateStore($this->dir . '/state.json'))->load());
    }

    public function testAFailedChangeLeavesThePreviousState(): void
    {
        $store = new FileStateStore($this->dir . '/state.json');
        $store->update(static function (): array {
            return ['v' => 1, 'kept' => true];
        });
        try {
            $store->update(static function (): array {
                throw new \RuntimeException('boom');
            });
            self::fail('the exception goes through');
        } catch (\RuntimeException $e) {
            self::assertSame('boom', $e->getMessage());
        }
        self::assertSame(['v' => 1, 'kept' => true], $store->load());
    }

    public function testAnUnwritableDirectoryIsReportedNotIgnored(): void
    {
        if (function_exists('posix_geteuid') && posix_geteuid() === 0) {
            // root writes anywhere; a path under a regular file cannot be created by anyone
            $this->expectException(\RuntimeException::class);
            mkdir($this->dir, 0700, true);
            touch($this->dir . '/file');
            (new FileStateStore($this->dir . '/file/state.json'))->update(static function (): array {
                return [];
            });
            return;
        }
        $this->expectException(\RuntimeException::class);
        (new FileStateStore('/proc/pt-no/state.json'))->update(static function (): array {
            return [];
        });
    }
}
