<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/** An HTTP answer: status, headers (looked up case-insensitively) and body. */
final class HttpResponse
{
    private int $status;
    /** @var array<string, string> lower-case names */
    private array $headers;
    private string $body;

    /** @param array<string, string> $headers */
    public function __construct(int $status, array $headers, string $body)
    {
        $this->status = $status;
        $this->headers = [];
        foreach ($headers as $name => $value) {
            $this->headers[strtolower((string) $name)] = $value;
        }
        $this->body = $body;
    }

    public function status(): int
    {
        return $this->status;
    }

    public function header(string $name): ?string
    {
        return $this->headers[strtolower($name)] ?? null;
    }

    /** @return array<string, string> */
    public function headers(): array
    {
        return $this->headers;
    }

    public function body(): string
    {
        return $this->body;
    }
}
