<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * HTTP with ext-curl, the default where it is loaded. One deadline (CURLOPT_TIMEOUT_MS)
 * covers connect, headers and body; NOSIGNAL because millisecond timeouts otherwise
 * rely on SIGALRM, which PHP-FPM and threaded servers do not tolerate.
 */
final class CurlTransport implements Transport
{
    public static function isAvailable(): bool
    {
        return function_exists('curl_init');
    }

    public function send(string $method, string $url, array $headers, ?string $body, int $timeoutMs): HttpResponse
    {
        $timeoutMs = min(self::MAX_TIMEOUT_MS, max(1, $timeoutMs));
        $handle = curl_init();
        if ($handle === false) {
            throw new TransportException(TransportException::NETWORK, 'curl_init failed');
        }
        $lines = ['Expect:']; // no "100-continue" round trip for small bodies
        foreach ($headers as $name => $value) {
            $lines[] = $name . ': ' . $value;
        }
        $received = [];
        $answer = '';
        $tooLarge = false;
        $options = [
            CURLOPT_URL => $url,
            CURLOPT_HTTPHEADER => $lines,
            CURLOPT_TIMEOUT_MS => $timeoutMs,
            CURLOPT_CONNECTTIMEOUT_MS => $timeoutMs,
            CURLOPT_NOSIGNAL => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_SSL_VERIFYPEER => true,
            CURLOPT_SSL_VERIFYHOST => 2,
            CURLOPT_HEADERFUNCTION => static function ($h, string $line) use (&$received): int {
                if (preg_match('#^HTTP/\S+\s+\d{3}#', $line) === 1) {
                    $received = []; // a new header block (after a 1xx)
                } elseif (strpos($line, ':') !== false) {
                    [$name, $value] = explode(':', $line, 2);
                    $received[strtolower(trim($name))] = trim($value);
                }
                return strlen($line);
            },
            CURLOPT_WRITEFUNCTION => static function ($h, string $chunk) use (&$answer, &$tooLarge): int {
                if (strlen($answer) + strlen($chunk) > self::MAX_ANSWER_BYTES) {
                    $tooLarge = true;
                    return 0; // aborts the transfer
                }
                $answer .= $chunk;
                return strlen($chunk);
            },
        ];
        if (defined('CURLOPT_PROTOCOLS')) {
            $options[CURLOPT_PROTOCOLS] = CURLPROTO_HTTP | CURLPROTO_HTTPS;
        }
        if ($method === 'GET') {
            $options[CURLOPT_HTTPGET] = true;
        } else {
            $options[CURLOPT_CUSTOMREQUEST] = $method;
            $options[CURLOPT_POSTFIELDS] = $body ?? '';
        }
        curl_setopt_array($handle, $options);
        $ok = curl_exec($handle);
        $errno = curl_errno($handle);
        $error = curl_error($handle);
        $status = (int) curl_getinfo($handle, CURLINFO_RESPONSE_CODE);
        curl_close($handle);
        if ($tooLarge) {
            throw new TransportException(TransportException::NETWORK, 'answer is over the limit');
        }
        if ($ok === false || $errno !== 0) {
            // 28: CURLE_OPERATION_TIMEDOUT
            $kind = $errno === 28 ? TransportException::TIMEOUT : TransportException::NETWORK;
            throw new TransportException($kind, $kind === TransportException::TIMEOUT
                ? "no answer within {$timeoutMs} ms"
                : "curl error {$errno}: {$error}");
        }
        if ($status < 100) {
            throw new TransportException(TransportException::NETWORK, 'no HTTP status');
        }
        return new HttpResponse($status, $received, $answer);
    }
}
