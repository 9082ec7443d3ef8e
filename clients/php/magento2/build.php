<?php

/**
 * Builds the Magento release as Composer artifacts (see build/ComposerArtifacts.php):
 *
 *     php clients/php/magento2/build.php --signing-keys-url https://ingest.example.com [--out dist]
 *     php clients/php/magento2/build.php --pinned-key prod-1=BASE64 [--pinned-key …]
 *
 * The release pins the keys ingest signs with, taken at build time; a build without
 * one is refused. Prints the two zips' paths.
 */

declare(strict_types=1);

use PluginTelemetry\Magento\Build\ComposerArtifacts;

require __DIR__ . '/build/ComposerArtifacts.php';

$options = getopt('', ['out:', 'signing-keys-url:', 'pinned-key:']);
$keys = [];
try {
    if (isset($options['signing-keys-url'])) {
        $url = rtrim((string) $options['signing-keys-url'], '/') . '/api/v1/plugins/signing-keys';
        $context = stream_context_create(['http' => ['timeout' => 10, 'follow_location' => 0]]);
        $doc = json_decode((string) @file_get_contents($url, false, $context), true);
        foreach (is_array($doc['keys'] ?? null) ? $doc['keys'] : [] as $k) {
            if (($k['algorithm'] ?? 'Ed25519') === 'Ed25519' && is_string($k['key_id'] ?? null)) {
                $keys[$k['key_id']] = (string) ($k['public_key'] ?? '');
            }
        }
        if ($keys === []) {
            throw new RuntimeException("no Ed25519 signing key at {$url}");
        }
    }
    foreach ((array) ($options['pinned-key'] ?? []) as $pair) {
        [$id, $key] = array_pad(explode('=', (string) $pair, 2), 2, '');
        $keys[$id] = $key;
    }
    $zips = (new ComposerArtifacts())->build((string) ($options['out'] ?? __DIR__ . '/dist'), $keys);
    echo $zips['module'], "\n", $zips['core'], "\n";
} catch (\Throwable $e) {
    fwrite(STDERR, 'build failed: ' . $e->getMessage() . "\n");
    exit(1);
}
