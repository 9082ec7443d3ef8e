<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * HTTP/1.1 over PHP streams, for hosts without ext-curl. Not the http:// wrapper: its
 * `timeout` bounds each read, not the request, so a server trickling one byte a second
 * would hold a PHP worker for minutes. Here one deadline covers connect, TLS, writing
 * and reading, checked before every read and write.
 */
final class StreamTransport implements Transport
{
    public function send(string $method, string $url, array $headers, ?string $body, int $timeoutMs): HttpResponse
    {
        $timeoutMs = min(self::MAX_TIMEOUT_MS, max(1, $timeoutMs));
        $deadline = microtime(true) + $timeoutMs / 1000;
        $parts = parse_url($url);
        $scheme = strtolower((string) ($parts['scheme'] ?? ''));
        $host = (string) ($parts['host'] ?? '');
        if (($scheme !== 'http' && $scheme !== 'https') || $host === '') {
            throw new TransportException(TransportException::NETWORK, 'not an http(s) URL');
        }
        $port = (int) ($parts['port'] ?? ($scheme === 'https' ? 443 : 80));
        $target = ($parts['path'] ?? '/') . (isset($parts['query']) ? '?' . $parts['query'] : '');
        $context = stream_context_create(['ssl' => [
            'verify_peer' => true,
            'verify_peer_name' => true,
            'peer_name' => $host,
            'SNI_enabled' => true,
        ]]);
        $remote = ($scheme === 'https' ? 'ssl://' : 'tcp://') . $host . ':' . $port;
        $errno = 0;
        $errstr = '';
        $socket = @stream_socket_client($remote, $errno, $errstr, $timeoutMs / 1000, STREAM_CLIENT_CONNECT, $context);
        if ($socket === false) {
            $timedOut = microtime(true) >= $deadline || stripos($errstr, 'timed out') !== false;
            throw new TransportException(
                $timedOut ? TransportException::TIMEOUT : TransportException::NETWORK,
                $timedOut ? "no connection within {$timeoutMs} ms" : "connect failed: {$errstr}"
            );
        }
        try {
            $hostHeader = $host . (isset($parts['port']) ? ':' . $port : '');
            $request = "{$method} {$target} HTTP/1.1\r\nhost: {$hostHeader}\r\nconnection: close\r\n";
            foreach ($headers as $name => $value) {
                $request .= $name . ': ' . str_replace(["\r", "\n"], '', $value) . "\r\n";
            }
            if ($body !== null) {
                $request .= 'content-length: ' . strlen($body) . "\r\n";
            }
            $request .= "\r\n" . ($body ?? '');
            $this->write($socket, $request, $deadline, $timeoutMs);
            $raw = $this->readAll($socket, $deadline, $timeoutMs);
        } finally {
            fclose($socket);
        }
        return $this->parse($raw);
    }

    /** @param resource $socket */
    private function write($socket, string $data, float $deadline, int $timeoutMs): void
    {
        while ($data !== '') {
            $this->arm($socket, $deadline, $timeoutMs);
            $written = @fwrite($socket, $data);
            if ($written === false || ($written === 0 && stream_get_meta_data($socket)['timed_out'])) {
                throw new TransportException(
                    microtime(true) >= $deadline ? TransportException::TIMEOUT : TransportException::NETWORK,
                    'request not sent'
                );
            }
            $data = (string) substr($data, $written);
        }
    }

    /** @param resource $socket */
    private function readAll($socket, float $deadline, int $timeoutMs): string
    {
        $raw = '';
        while (!feof($socket)) {
            $this->arm($socket, $deadline, $timeoutMs);
            $chunk = @fread($socket, 8192);
            if ($chunk === false || $chunk === '') {
                // A timed-out read answers '' or false depending on the PHP version.
                if (stream_get_meta_data($socket)['timed_out'] || microtime(true) >= $deadline) {
                    throw new TransportException(TransportException::TIMEOUT, "no answer within {$timeoutMs} ms");
                }
                if ($chunk === false) {
                    throw new TransportException(TransportException::NETWORK, 'read failed');
                }
            }
            $raw .= $chunk;
            if (strlen($raw) > self::MAX_ANSWER_BYTES + 65536) {
                throw new TransportException(TransportException::NETWORK, 'answer is over the limit');
            }
            if ($this->complete($raw)) {
                break; // a server keeping the connection open despite "close" must not cost the deadline
            }
        }
        return $raw;
    }

    /** Sets the socket's timeout to what is left of the deadline, or gives up. */
    private function arm($socket, float $deadline, int $timeoutMs): void
    {
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            throw new TransportException(TransportException::TIMEOUT, "no answer within {$timeoutMs} ms");
        }
        $seconds = (int) floor($left);
        stream_set_timeout($socket, $seconds, (int) (($left - $seconds) * 1000000));
    }

    /** True once a Content-Length body (or a chunked body's last chunk) has fully arrived. */
    private function complete(string $raw): bool
    {
        $end = strpos($raw, "\r\n\r\n");
        if ($end === false) {
            return false;
        }
        $head = substr($raw, 0, $end);
        $rest = strlen($raw) - $end - 4;
        if (preg_match('/^content-length:\s*(\d+)\s*$/mi', $head, $m) === 1) {
            return $rest >= (int) $m[1];
        }
        if (preg_match('/^transfer-encoding:.*chunked/mi', $head) === 1) {
            return substr($raw, -5) === "0\r\n\r\n";
        }
        return preg_match('#^HTTP/\S+\s+(1\d\d|204|304)\b#', $head) === 1;
    }

    private function parse(string $raw): HttpResponse
    {
        $end = strpos($raw, "\r\n\r\n");
        if ($end === false || preg_match('#^HTTP/\d(?:\.\d)?\s+(\d{3})#', $raw, $m) !== 1) {
            throw new TransportException(TransportException::NETWORK, 'no HTTP answer');
        }
        $status = (int) $m[1];
        $headers = [];
        foreach (array_slice(explode("\r\n", substr($raw, 0, $end)), 1) as $line) {
            if (strpos($line, ':') !== false) {
                [$name, $value] = explode(':', $line, 2);
                $headers[strtolower(trim($name))] = trim($value);
            }
        }
        $body = (string) substr($raw, $end + 4);
        if (stripos($headers['transfer-encoding'] ?? '', 'chunked') !== false) {
            $body = $this->dechunk($body);
        } elseif (isset($headers['content-length'])) {
            $length = (int) $headers['content-length'];
            if (strlen($body) < $length) {
                throw new TransportException(TransportException::NETWORK, 'answer cut short');
            }
            $body = substr($body, 0, $length);
        }
        if (strlen($body) > self::MAX_ANSWER_BYTES) {
            throw new TransportException(TransportException::NETWORK, 'answer is over the limit');
        }
        return new HttpResponse($status, $headers, $body);
    }

    private function dechunk(string $body): string
    {
        $out = '';
        $at = 0;
        for (;;) {
            $eol = strpos($body, "\r\n", $at);
            if ($eol === false) {
                throw new TransportException(TransportException::NETWORK, 'chunked answer cut short');
            }
            $size = hexdec(trim(explode(';', substr($body, $at, $eol - $at), 2)[0]));
            if (!is_int($size) || $size < 0) {
                throw new TransportException(TransportException::NETWORK, 'bad chunk size');
            }
            if ($size === 0) {
                return $out;
            }
            if (strlen($body) < $eol + 2 + $size) {
                throw new TransportException(TransportException::NETWORK, 'chunked answer cut short');
            }
            $out .= substr($body, $eol + 2, $size);
            $at = $eol + 2 + $size + 2;
        }
    }
}
