<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\AfterResponse;

final class AfterResponseTest extends TestCase
{
    public function testTasksRunInOrderEachOnItsOwnAndTheQueueEmpties(): void
    {
        $warnings = [];
        $logger = new MemoryLogger($warnings);
        $after = new AfterResponse('[test]', $logger);
        $ran = [];
        $after->defer(static function () use (&$ran): void {
            $ran[] = 'first';
        });
        $after->defer(static function (): void {
            throw new \RuntimeException('boom');
        });
        $after->defer(static function () use (&$ran, $after): void {
            $ran[] = 'third';
            $after->defer(static function () use (&$ran): void {
                $ran[] = 'deferred by a task';
            });
        });
        self::assertSame(3, $after->pending());
        self::assertSame([], $ran, 'nothing runs before the response is sent');
        $after->run();
        self::assertSame(['first', 'third', 'deferred by a task'], $ran);
        self::assertSame(['after-response task failed: boom'], $warnings);
        self::assertSame(0, $after->pending());
        $after->run(); // again (the shutdown function): nothing left to do
        self::assertSame(['first', 'third', 'deferred by a task'], $ran);
    }

    public function testWithoutALoggerAFailureGoesToTheErrorLogWithThePrefix(): void
    {
        $log = tempnam(sys_get_temp_dir(), 'pt-after-');
        $previous = ini_set('error_log', (string) $log);
        try {
            $after = new AfterResponse('[my_module]');
            $after->defer(static function (): void {
                throw new \LogicException('broken');
            });
            $after->run();
        } finally {
            ini_set('error_log', (string) $previous);
        }
        $logged = (string) file_get_contents((string) $log);
        self::assertStringContainsString('[my_module] after-response task failed: broken', $logged);
        unlink((string) $log);
    }

    public function testTheCliHasNoResponseToFinish(): void
    {
        self::assertSame('cli', PHP_SAPI);
        AfterResponse::finishResponse(); // does nothing here (and must not fail)
        self::assertFalse((bool) ignore_user_abort(), 'the CLI is left as it is');
    }
}
