<?php

/**
 * The module as Composer installs it (its composer.json: PSR-4 `PluginTelemetry\Telemetry\`
 * on the module root, registration.php in `autoload.files`, and plugin-telemetry/core,
 * here clients/php/core), inside the Magento shim (tests/shim/: Magento's documented
 * API, not Magento), in a temporary installation folder for var/.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

$ptMagentoRoot = sys_get_temp_dir() . '/pt-magento-' . getmypid() . '-' . bin2hex(random_bytes(3));
mkdir($ptMagentoRoot . '/var', 0700, true);
define('PT_MAGENTO_TEST_ROOT', $ptMagentoRoot);
register_shutdown_function(static function () use ($ptMagentoRoot): void {
    exec('rm -rf ' . escapeshellarg($ptMagentoRoot));
});
unset($ptMagentoRoot);

require __DIR__ . '/shim/bootstrap.php';
require __DIR__ . '/../../core/autoload.php';
spl_autoload_register(static function (string $class): void {
    $prefix = 'PluginTelemetry\\Telemetry\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = __DIR__ . '/../PluginTelemetry/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
require __DIR__ . '/../PluginTelemetry/registration.php';

// Shared with the PrestaShop tests (clients/php/testing/): the live stack, the request log.
require __DIR__ . '/../../testing/LiveStack.php';
require __DIR__ . '/../../testing/RequestLog.php';
require __DIR__ . '/../../testing/UsesLiveStack.php';
require __DIR__ . '/../../conformance/src/RecordingTransport.php';
require __DIR__ . '/../build/ComposerArtifacts.php';
require __DIR__ . '/StoreTestCase.php';
