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

class Link
{
    public function getAdminLink($controller, $withToken = true, $sfRouteParams = [], $params = [])
    {
        $query = ['controller' => $controller];
        if ($withToken) {
            $query['token'] = Tools::getAdminTokenLite($controller);
        }
        return 'https://' . Shop::$configuration['PS_SHOP_DOMAIN_SSL'] . '/admin-dev/index.php?'
            . http_build_query($query + (array) $params);
    }

    public function getModuleLink(
        $module,
        $controller = 'default',
        array $params = [],
        $ssl = null,
        $idLang = null,
        $idShop = null,
        $relativeProtocol = false
    ) {
        $query = ['fc' => 'module', 'module' => $module, 'controller' => $controller] + $params;
        return ($ssl === false ? 'http://' : 'https://') . Shop::$configuration['PS_SHOP_DOMAIN_SSL']
            . '/index.php?' . http_build_query($query);
    }
}
