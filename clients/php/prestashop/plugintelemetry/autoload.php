<?php

/**
 * The module's classes (src/, PSR-4 `PluginTelemetry\PrestaShop\`) and the PHP core it
 * is built on. PrestaShop modules ship their dependencies inside the zip; this one
 * carries the core in vendor/plugin-telemetry/core/ (put there by ../build.php). A
 * checkout of the repository has no vendor/ folder: the core is then taken from the
 * repository (clients/php/core), so the module also runs straight from source.
 */

declare(strict_types=1);

if (!class_exists(\PluginTelemetry\Core\TelemetryClient::class, false)) {
    if (is_file(__DIR__ . '/vendor/plugin-telemetry/core/autoload.php')) {
        require_once __DIR__ . '/vendor/plugin-telemetry/core/autoload.php';
    } elseif (is_file(dirname(__DIR__, 2) . '/core/src/TelemetryClient.php')) {
        require_once dirname(__DIR__, 2) . '/core/autoload.php'; // the repository's clients/php/core
    }
}

spl_autoload_register(static function (string $class): void {
    $prefix = 'PluginTelemetry\\PrestaShop\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
