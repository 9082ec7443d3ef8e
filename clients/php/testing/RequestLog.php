<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

use PluginTelemetry\Conformance\RecordingTransport;
use PluginTelemetry\Core\CurlTransport;
use PluginTelemetry\Core\Transport;

/**
 * Every request an adapter's client made, seen at its edge (the conformance driver's
 * RecordingTransport over the real curl transport): what was sent to live ingest and
 * what it answered. Shared by the PrestaShop and Magento tests (clients/php/testing/).
 */
final class RequestLog
{
    /** @var list<array<string, mixed>> */
    public array $entries = [];

    public function transport(): Transport
    {
        return new RecordingTransport(new CurlTransport(), function (array $entry): void {
            $this->entries[] = $entry;
        });
    }

    /** Requests to `$path` (all of them when null). */
    public function count(?string $path = null): int
    {
        return count($this->to($path));
    }

    /** @return list<array<string, mixed>> */
    public function to(?string $path): array
    {
        return array_values(array_filter($this->entries, static function (array $e) use ($path): bool {
            return $path === null || $e['path'] === $path;
        }));
    }

    /**
     * Events of `$type` ingest accepted (a 202 on the batch that carried them), by event_id.
     *
     * @return array<string, array<string, mixed>>
     */
    public function delivered(string $type): array
    {
        $out = [];
        foreach ($this->to('/api/v1/plugins/event') as $e) {
            if ($e['status'] !== 202) {
                continue;
            }
            foreach ($e['body']['events'] ?? [] as $event) {
                if (($event['type'] ?? null) === $type) {
                    $out[(string) $event['event_id']] = $event;
                }
            }
        }
        return $out;
    }

    /** @return array<string, mixed>|null the last request to `$path` */
    public function last(string $path): ?array
    {
        $all = $this->to($path);
        return $all === [] ? null : $all[count($all) - 1];
    }
}
