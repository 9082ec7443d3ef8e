<?php

/**
 * The shim's store: what Magento keeps in its database and session that the shim's
 * classes need (core_config_data rows, the logged-in admin's ACL resources and form
 * key, the store's host, the current area). The `flag` table is on disk (FlagManager),
 * so that separate processes share it. Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

final class Database
{
    /** @var array<string, string|null> core_config_data, default scope: path => value */
    public static array $coreConfigData = [];
    /** @var list<string>|null the logged-in admin's role resources; null: no admin session */
    public static ?array $adminResources = null;
    /** The admin session's form key. */
    public static string $formKey = '';
    public static string $host = 'magento.example';
    /** `global`, `frontend`, `adminhtml` or `crontab`: which events.xml and di.xml apply. */
    public static string $area = 'global';

    /** An empty store: as after `setup:install`, with its secure base URL. */
    public static function reset(): void
    {
        self::$coreConfigData = [
            'web/secure/base_url' => 'https://' . self::$host . '/',
            'web/unsecure/base_url' => 'http://' . self::$host . '/',
        ];
        self::$adminResources = null;
        self::$formKey = bin2hex(random_bytes(8));
        self::$area = 'global';
    }
}
