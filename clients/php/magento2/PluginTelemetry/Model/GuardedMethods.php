<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

/**
 * The payment method codes of the platform's extension (etc/di.xml): the methods the
 * kill switch hides and whose failures are reported. Other methods are never touched.
 */
class GuardedMethods
{
    /** @var array<string, true> */
    private array $codes = [];

    /** @param array<string, string> $codes */
    public function __construct(array $codes = [])
    {
        foreach ($codes as $code) {
            $this->codes[(string) $code] = true;
        }
    }

    public function contains(?string $code): bool
    {
        return $code !== null && isset($this->codes[$code]);
    }
}
