<?php

/**
 * PrestaShop's Context, Employee and Link (classes/Context.php, classes/Employee.php,
 * classes/Link.php), the parts the module uses: Context::getContext() with `employee`,
 * `link` and `shop`; an employee's `id` and `id_profile`; Link::getAdminLink($controller,
 * $withToken, $sfRouteParams, $params) (PrestaShop >= 1.7.5 signature) and
 * Link::getModuleLink($module, $controller, $params, $ssl), as in the Link class
 * reference (https://devdocs.prestashop-project.org/8/development/components/link/).
 * URLs are shaped like PrestaShop's legacy ones; the host is the shop's domain. Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace
// phpcs:disable PSR1.Files.SideEffects

use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

class Context
{
    private static ?Context $instance = null;

    /** @var Employee|null */
    public $employee;
    /** @var Link */
    public $link;
    /** @var object|null */
    public $controller;
    /** @var object */
    public $shop;
    /** @var object */
    public $language;

    public static function getContext()
    {
        if (self::$instance === null) {
            self::reset(null);
        }
        return self::$instance;
    }

    /** Shim only: the context of a new request (Shop::newRequest()). */
    public static function reset(?Employee $employee): void
    {
        $c = new self();
        $c->employee = $employee;
        $c->link = new Link();
        $c->shop = (object) ['id' => 1, 'domain' => Shop::$configuration['PS_SHOP_DOMAIN'] ?? 'shop.example'];
        $c->language = (object) ['id' => 1, 'iso_code' => 'en'];
        self::$instance = $c;
    }
}
