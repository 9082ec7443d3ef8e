<?php

declare(strict_types=1);

namespace PluginTelemetry\Testing;

// phpcs:disable PSR1.Methods.CamelCapsMethodName.NotCamelCaps

/**
 * The conformance Driver's output stream (see AdapterDriver): every line goes to stdout,
 * after `$beforeWrite` had its look at the Driver. The method names are PHP's stream
 * wrapper protocol (streamWrapper), hence the sniff disabled below.
 */
final class AdapterDriverOutput
{
    public const SCHEME = 'pt-adapter-driver';

    /** @var callable|null */
    public static $beforeWrite = null;

    /** @var resource|null set by PHP for stream wrappers */
    public $context;

    public function stream_open(string $path, string $mode, int $options, ?string &$openedPath): bool
    {
        return true;
    }

    public function stream_write(string $data): int
    {
        if (self::$beforeWrite !== null) {
            (self::$beforeWrite)();
        }
        fwrite(STDOUT, $data);
        return strlen($data);
    }

    public function stream_flush(): bool
    {
        return fflush(STDOUT);
    }

    public function stream_close(): void
    {
    }

    public function stream_eof(): bool
    {
        return false;
    }
}
