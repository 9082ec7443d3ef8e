<?php

/**
 * Builds the module zip merchants upload (Modules > Module Manager > Upload a module):
 *
 *     php clients/php/prestashop/build.php --signing-keys-url https://ingest.example.com [--out dist]
 *     php clients/php/prestashop/build.php --pinned-key prod-1=BASE64 [--pinned-key …]
 *
 * The release pins the keys ingest signs with at build time (see pinned_keys.php);
 * without either option the zip keeps the repository's empty pinned_keys.php and its
 * telemetry stays off. Prints the zip's path.
 */

declare(strict_types=1);

use PluginTelemetry\PrestaShop\Build\ModulePackage;

require __DIR__ . '/build/ModulePackage.php';

$options = getopt('', ['out:', 'signing-keys-url:', 'pinned-key:']);
$keys = null;
if (isset($options['signing-keys-url'])) {
    $keys = ModulePackage::fetchSigningKeys((string) $options['signing-keys-url']);
}
foreach ((array) ($options['pinned-key'] ?? []) as $pair) {
    [$id, $key] = array_pad(explode('=', (string) $pair, 2), 2, '');
    $keys[$id] = $key;
}
$out = (string) ($options['out'] ?? __DIR__ . '/dist');
try {
    echo (new ModulePackage())->zip($out, $keys), "\n";
} catch (\Throwable $e) {
    fwrite(STDERR, 'build failed: ' . $e->getMessage() . "\n");
    exit(1);
}
