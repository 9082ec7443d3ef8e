<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PHPUnit\Framework\TestCase;
use PluginTelemetry\Core\CurlTransport;
use PluginTelemetry\Core\StreamTransport;
use PluginTelemetry\Core\Transport;
use PluginTelemetry\Core\TransportException;

/**
 * Both transports against a real HTTP server on loopback (PHP's built-in one, several
 * workers so a slow answer does not hold the next test).
 */
final class TransportTest extends TestCase
{
    /** @var resource|null */
    private static $server = null;
    private static string $base = '';

    public static function setUpBeforeClass(): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        self::assertNotFalse($probe);
        $name = (string) stream_socket_get_name($probe, false);
        fclose($probe);
        $port = (int) substr($name, strrpos($name, ':') + 1);
        $cmd = [PHP_BINARY, '-S', "127.0.0.1:{$port}", __DIR__ . '/fixtures/router.php'];
        $io = [0 => ['pipe', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']];
        $server = proc_open($cmd, $io, $pipes, null, ['PHP_CLI_SERVER_WORKERS' => '4']);
        self::assertIsResource($server);
        self::$server = $server;
        self::$base = "http://127.0.0.1:{$port}";
        $deadline = microtime(true) + 5;
        while (microtime(true) < $deadline) {
            $s = @stream_socket_client("tcp://127.0.0.1:{$port}", $errno, $errstr, 0.2);
            if ($s !== false) {
                fclose($s);
                return;
            }
            usleep(50000);
        }
        self::fail('the test web server did not start');
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$server !== null) {
            proc_terminate(self::$server);
            proc_close(self::$server);
            self::$server = null;
        }
    }

    /** @return array<string, array{Transport}> */
    public function transports(): array
    {
        $out = ['stream' => [new StreamTransport()]];
        if (CurlTransport::isAvailable()) {
            $out['curl'] = [new CurlTransport()];
        }
        return $out;
    }

    /** @dataProvider transports */
    public function testSendsMethodHeadersAndBodyAndReadsTheAnswer(Transport $t): void
    {
        $r = $t->send('POST', self::$base . '/echo?a=1&b=x%20y', [
            'authorization' => 'Bearer k',
            'content-type' => 'application/json',
            'if-none-match' => '"e1"',
        ], '{"n":1}', 2000);
        self::assertSame(200, $r->status());
        self::assertSame('"abc"', $r->header('ETag'));
        $echo = json_decode($r->body(), true);
        self::assertSame('POST', $echo['method']);
        self::assertSame('a=1&b=x%20y', $echo['query']);
        self::assertSame('Bearer k', $echo['headers']['authorization']);
        self::assertSame('"e1"', $echo['headers']['if-none-match']);
        self::assertSame('{"n":1}', $echo['body']);
    }

    /** @dataProvider transports */
    public function testGetAnd304AndRetryAfter(Transport $t): void
    {
        $get = $t->send('GET', self::$base . '/echo', [], null, 2000);
        self::assertSame('GET', json_decode($get->body(), true)['method']);
        $nm = $t->send('GET', self::$base . '/not-modified', [], null, 2000);
        self::assertSame(304, $nm->status());
        self::assertSame('', $nm->body());
        $busy = $t->send('GET', self::$base . '/busy', [], null, 2000);
        self::assertSame(429, $busy->status());
        self::assertSame('7', $busy->header('retry-after'));
    }

    /** @dataProvider transports */
    public function testRedirectsAreNotFollowed(Transport $t): void
    {
        $r = $t->send('GET', self::$base . '/redirect', ['authorization' => 'Bearer k'], null, 2000);
        self::assertSame(302, $r->status());
        self::assertSame('/echo', $r->header('location'));
    }

    /** @dataProvider transports */
    public function testASlowServerCostsAtMostTheTimeout(Transport $t): void
    {
        $started = microtime(true);
        try {
            $t->send('GET', self::$base . '/slow', [], null, 300);
            self::fail('no timeout');
        } catch (TransportException $e) {
            self::assertSame(TransportException::TIMEOUT, $e->kind());
        }
        self::assertLessThan(1.0, microtime(true) - $started);
    }

    /** @dataProvider transports */
    public function testTheTimeoutIsCappedAtTwoSeconds(Transport $t): void
    {
        $started = microtime(true);
        try {
            $t->send('GET', self::$base . '/slow', [], null, 60000);
            self::fail('no timeout');
        } catch (TransportException $e) {
            self::assertSame(TransportException::TIMEOUT, $e->kind());
        }
        $took = microtime(true) - $started;
        self::assertGreaterThan(1.8, $took);
        self::assertLessThan(2.6, $took);
    }

    /** @dataProvider transports */
    public function testARefusedConnectionIsANetworkFailure(Transport $t): void
    {
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        self::assertNotFalse($probe);
        $name = (string) stream_socket_get_name($probe, false);
        fclose($probe); // nothing listens there now
        try {
            $t->send('GET', 'http://' . $name . '/echo', [], null, 2000);
            self::fail('connected');
        } catch (TransportException $e) {
            self::assertSame(TransportException::NETWORK, $e->kind());
        }
    }

    /** @dataProvider transports */
    public function testAnAnswerOverOneMebibyteIsRefused(Transport $t): void
    {
        $this->expectException(TransportException::class);
        $t->send('GET', self::$base . '/big', [], null, 2000);
    }
}
