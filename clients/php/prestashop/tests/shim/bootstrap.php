<?php

/**
 * Loads the PrestaShop shim: the classes and constants of PrestaShop 8 that the
 * plugintelemetry module touches, each following PrestaShop's documented API (see the
 * header of each file), and nothing else. `$shopRoot` is the shop's root folder;
 * the module must be installed in `$shopRoot/modules/`.
 *
 * This is not PrestaShop: no database, no Smarty, no dispatcher beyond a module's front
 * controller. Tests pass against the documented behaviour, not against a running shop.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

(static function (): void {
    $root = getenv('PT_PRESTASHOP_SHIM_ROOT');
    if ($root === false || $root === '') {
        throw new RuntimeException('set PT_PRESTASHOP_SHIM_ROOT to the shim shop root before loading the shim');
    }
    define('_PS_VERSION_', '8.1.7');
    define('_PS_ROOT_DIR_', rtrim($root, '/'));
    define('_PS_MODULE_DIR_', _PS_ROOT_DIR_ . '/modules/');
    define('_PS_ADMIN_PROFILE_', 1);
    define('_COOKIE_KEY_', 'shim-cookie-key-0123456789abcdef0123456789abcdef0123456789abcdef');
    define('__PS_BASE_URI__', '/');
})();

foreach (
    [
        'Shop', 'Configuration', 'Employee', 'Link', 'Context', 'Tools', 'Module', 'PaymentModule', 'Hook',
        'HelperForm', 'PaymentOption', 'Controller', 'FrontController', 'ModuleFrontController', 'Order',
        'OrderState', 'Validate', 'PrestaShopLogger',
    ] as $ptShimClass
) {
    require __DIR__ . '/' . $ptShimClass . '.php';
}
unset($ptShimClass);

PluginTelemetry\PrestaShop\Tests\Shim\Shop::reset();
