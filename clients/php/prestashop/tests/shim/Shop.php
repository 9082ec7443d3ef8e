<?php

/**
 * The shim's shop: the rows PrestaShop keeps in its database (`ps_configuration`,
 * `ps_module`, `ps_hook_module`, `ps_module_access`, orders, `ps_log`) as PHP arrays,
 * and what a new HTTP request resets (module instances, the context, $_GET/$_POST).
 * Not a PrestaShop class: the shim's storage behind the classes in this folder, which
 * follow PrestaShop's documented API (see each file's header). Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Tests\Shim;

final class Shop
{
    /** @var array<string, string> ps_configuration: name => value */
    public static array $configuration = [];
    /** @var array<string, array{id_module: int, name: string, active: int, version: string}> ps_module by name */
    public static array $modules = [];
    /** @var array<string, list<int>> ps_hook_module: lower-case hook name => module ids, in position order */
    public static array $hookModules = [];
    /** @var array<int, bool> ps_profile (besides SuperAdmin): whether the profile may view AdminModules */
    public static array $profiles = [];
    /** @var array<int, array<int, array{view: int, configure: int, uninstall: int}>> ps_module_access */
    public static array $moduleAccess = [];
    /** @var array<int, array<string, mixed>> ps_orders by id */
    public static array $orders = [];
    /** @var list<array{message: string, severity: int}> ps_log */
    public static array $logs = [];
    public static int $nextModuleId = 1;

    /** An empty shop, as after PrestaShop's installer (with its default order states). */
    public static function reset(): void
    {
        self::$configuration = [
            'PS_LANG_DEFAULT' => '1',
            'PS_SHOP_DOMAIN' => 'shop.example',
            'PS_SHOP_DOMAIN_SSL' => 'shop.example',
            'PS_OS_PAYMENT' => '2',
            'PS_OS_ERROR' => '8',
        ];
        self::$modules = [];
        self::$hookModules = [];
        self::$profiles = [2 => true, 3 => false]; // e.g. a manager, and a salesman (no modules)
        self::$moduleAccess = [];
        self::$orders = [];
        self::$logs = [];
        self::$nextModuleId = 1;
        self::newRequest();
    }

    /**
     * A new HTTP request: fresh module instances and context, these parameters, and
     * this employee logged in (null: a shopper's request).
     *
     * @param array<string, mixed> $get
     * @param array<string, mixed> $post
     */
    public static function newRequest(array $get = [], array $post = [], ?\Employee $employee = null): void
    {
        $_GET = $get;
        $_POST = $post;
        \Module::clearInstances();
        \Context::reset($employee);
    }
}
