<?php

/**
 * A PSR-4 autoloader for hosts where the plugin ships without Composer (most WordPress
 * and PrestaShop plugins do): require this file instead of vendor/autoload.php.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'PluginTelemetry\\Core\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
