<?php

declare(strict_types=1);

namespace PluginTelemetry\Conformance;

use PluginTelemetry\Core\HttpResponse;
use PluginTelemetry\Core\Transport;
use PluginTelemetry\Core\TransportException;

/**
 * The client's edge, seen by the conformance runner: every request the client makes
 * (what left it and what came back) is reported as it completes, before the driver
 * answers the command that caused it, so the runner's request log is complete whenever
 * a command returns. The API key is redacted: the runner checks headers by presence.
 */
final class RecordingTransport implements Transport
{
    private Transport $inner;
    /** @var callable(array<string, mixed>): void */
    private $report;
    private int $count = 0;

    /** @param callable(array<string, mixed>): void $report */
    public function __construct(Transport $inner, callable $report)
    {
        $this->inner = $inner;
        $this->report = $report;
    }

    /** Requests made so far (for "checkout reads make no request"). */
    public function count(): int
    {
        return $this->count;
    }

    public function send(string $method, string $url, array $headers, ?string $body, int $timeoutMs): HttpResponse
    {
        $this->count += 1;
        $seen = [];
        foreach ($headers as $name => $value) {
            $seen[strtolower($name)] = strtolower($name) === 'authorization' ? 'Bearer <redacted>' : $value;
        }
        $decoded = $body === null ? null : json_decode($body, true);
        $entry = [
            'method' => $method,
            'path' => (string) parse_url($url, PHP_URL_PATH),
            'query' => (string) parse_url($url, PHP_URL_QUERY),
            'headers' => (object) $seen,
            'body' => $body === null ? null : ($decoded ?? $body),
            'status' => null,
            'answer' => null,
            'error' => null,
        ];
        try {
            $response = $this->inner->send($method, $url, $headers, $body, $timeoutMs);
        } catch (TransportException $e) {
            $entry['error'] = $e->kind() . ': ' . $e->getMessage();
            ($this->report)($entry);
            throw $e;
        }
        $entry['status'] = $response->status();
        $entry['answer'] = $response->body();
        ($this->report)($entry);
        return $response;
    }
}
