<?php

/**
 * Loads the Magento 2 shim: the classes and interfaces of Magento 2.4 that the
 * PluginTelemetry_Telemetry module touches, each following Magento's documented API
 * (see the header of each file; Magento\… and Psr\Log\… here), plus the shim's own
 * machinery in PluginTelemetry\Magento\Tests\Shim (object manager over di.xml, event
 * manager over events.xml, admin router over routes.xml, cron runner over
 * crontab.xml/cron_groups.xml, the configuration save of Magento_Config over
 * system.xml, the ACL over acl.xml, and a store for core_config_data and the flag
 * table). This is not Magento: no database, no layout, no plugins or generated code.
 *
 * `PluginTelemetry\Magento\Tests\Shim\Shop::boot($root, $area)` gives the object manager
 * of a store whose var/ folder is `$root/var` (see Shim/Shop.php).
 */

declare(strict_types=1);

// phpcs:disable PSR1.Files.SideEffects

spl_autoload_register(static function (string $class): void {
    $roots = [
        'Magento\\' => 'Magento/',
        'Psr\\Log\\' => 'Psr/Log/',
        'PluginTelemetry\\Magento\\Tests\\Shim\\' => 'Shim/',
    ];
    foreach ($roots as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {
            $file = __DIR__ . '/' . $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
require __DIR__ . '/functions.php';
