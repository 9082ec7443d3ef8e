<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * One HTTP request with one deadline for connect, headers and body. Implementations
 * never follow redirects (the API key must not travel to another host) and throw
 * TransportException when no HTTP answer arrived.
 */
interface Transport
{
    /** The most any request may take, whatever the options say. */
    public const MAX_TIMEOUT_MS = 2000;

    /** Answers larger than this are refused. */
    public const MAX_ANSWER_BYTES = 1048576;

    /**
     * @param array<string, string> $headers lower-case names
     * @throws TransportException
     */
    public function send(string $method, string $url, array $headers, ?string $body, int $timeoutMs): HttpResponse;
}
