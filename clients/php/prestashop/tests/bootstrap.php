<?php

/**
 * The tests run the module as a shop gets it: bootstrap builds the release folder
 * (build/ModulePackage.php: the module with the PHP core bundled in vendor/, and the
 * dev stack's signing keys pinned, as `build.php --signing-keys-url http://127.0.0.1:8080`
 * would) into a temporary shop's modules/ folder, then loads the PrestaShop shim
 * (tests/shim/: PrestaShop's documented API, not PrestaShop) around it.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

use PluginTelemetry\PrestaShop\Build\ModulePackage;
use PluginTelemetry\Testing\LiveStack;

require __DIR__ . '/../build/ModulePackage.php';
require __DIR__ . '/../../testing/LiveStack.php';

$ptShopRoot = sys_get_temp_dir() . '/pt-prestashop-shop-' . getmypid() . '-' . bin2hex(random_bytes(3));
try {
    $ptPinned = LiveStack::pinnedKeys();
} catch (\RuntimeException $e) {
    // No dev stack here: the live tests will say so; the others need a key of some kind.
    $ptPinned = ['no-stack' => base64_encode(sodium_crypto_sign_publickey(sodium_crypto_sign_keypair()))];
}
(new ModulePackage())->stage($ptShopRoot . '/modules', $ptPinned);
putenv('PT_PRESTASHOP_SHIM_ROOT=' . $ptShopRoot);
define('PT_PRESTASHOP_TEST_SHOP', $ptShopRoot);
register_shutdown_function(static function () use ($ptShopRoot): void {
    ModulePackage::remove($ptShopRoot);
});
unset($ptPinned, $ptShopRoot);

require __DIR__ . '/shim/bootstrap.php';
require _PS_MODULE_DIR_ . 'plugintelemetry/autoload.php'; // the bundled core and the module's classes
require __DIR__ . '/../../conformance/src/RecordingTransport.php';
require __DIR__ . '/../../testing/RequestLog.php';
require __DIR__ . '/../../testing/UsesLiveStack.php';
require __DIR__ . '/ShopTestCase.php';
