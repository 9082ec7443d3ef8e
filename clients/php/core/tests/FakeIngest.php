<?php

declare(strict_types=1);

namespace PluginTelemetry\Core\Tests;

use PluginTelemetry\Core\HttpResponse;
use PluginTelemetry\Core\Transport;
use PluginTelemetry\Core\TransportException;

/**
 * An in-process ingest: `$handler` answers each request (or throws a
 * TransportException); every request is kept in `$seen`.
 */
final class FakeIngest implements Transport
{
    /** @var list<array{method: string, path: string, query: string, headers: array<string, string>, body: mixed}> */
    public array $seen = [];
    /** @var callable */
    private $handler;

    /** @param callable(array<string, mixed>): (HttpResponse) $handler */
    public function __construct(callable $handler)
    {
        $this->handler = $handler;
    }

    /** @param mixed $body JSON-encoded unless a string */
    public static function json(int $status, $body = null, array $headers = []): HttpResponse
    {
        $text = $body === null ? '' : (is_string($body) ? $body : (string) json_encode($body, JSON_UNESCAPED_SLASHES));
        return new HttpResponse($status, $headers + ['content-type' => 'application/json'], $text);
    }

    /**
     * A config poll's 200 carrying `$signed`.
     *
     * @param array<string, mixed> $signed
     * @param array<string, mixed> $unsigned fields beside the payload
     */
    public static function config(array $signed, string $etag = '"e1"', array $unsigned = []): HttpResponse
    {
        return self::json(200, [
            'installation_id' => Signer::INSTALLATION,
            'config' => array_merge([
                'toggles' => [],
                'toggle_details' => [],
                'signed_toggles' => $signed,
                'upgrade' => null,
                'notices' => [],
                'poll_interval_secs' => 300,
            ], $unsigned),
        ], ['etag' => $etag]);
    }

    public function send(string $method, string $url, array $headers, ?string $body, int $timeoutMs): HttpResponse
    {
        $request = [
            'method' => $method,
            'path' => (string) parse_url($url, PHP_URL_PATH),
            'query' => (string) parse_url($url, PHP_URL_QUERY),
            'headers' => $headers,
            'body' => $body === null ? null : json_decode($body, true),
            'timeout_ms' => $timeoutMs,
        ];
        $this->seen[] = $request;
        return ($this->handler)($request);
    }

    /** @return list<array<string, mixed>> requests to `$path` */
    public function to(string $path): array
    {
        return array_values(array_filter($this->seen, static function (array $r) use ($path): bool {
            return $r['path'] === $path;
        }));
    }

    /** @return list<array<string, mixed>> every event sent, in order */
    public function events(): array
    {
        $out = [];
        foreach ($this->to('/api/v1/plugins/event') as $r) {
            foreach ($r['body']['events'] ?? [] as $e) {
                $out[] = $e;
            }
        }
        return $out;
    }

    public static function down(): TransportException
    {
        return new TransportException(TransportException::NETWORK, 'connection refused');
    }
}
