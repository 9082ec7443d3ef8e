<?php

/**
 * PrestaShop's Tools (classes/Tools.php), the static helpers the module calls:
 * getValue($key, $default) (POST before GET, as Tools::getValue reads $_POST then
 * $_GET), getIsset(), isSubmit(), getAdminTokenLite($tab) = getAdminToken($tab . idTab
 * . idEmployee), getAdminToken() = Tools::hash() = md5(_COOKIE_KEY_ . $string) (1.7/8
 * behaviour), getShopDomainSsl($http, $entities). Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace

use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

class Tools
{
    /** Tab ids (ps_tab) of the controllers the module links to. */
    private const TAB_IDS = ['AdminModules' => 45, 'AdminDashboard' => 1];

    /**
     * @param mixed $defaultValue
     * @return mixed
     */
    public static function getValue($key, $defaultValue = false)
    {
        if (!is_string($key) || $key === '') {
            return false;
        }
        $value = $_POST[$key] ?? ($_GET[$key] ?? $defaultValue);
        if (!is_string($value)) {
            return $value;
        }
        return stripslashes(urldecode((string) preg_replace('/((\%5C0+)|(\%00+))/i', '', urlencode($value))));
    }

    public static function getIsset($key): bool
    {
        return is_string($key) && (isset($_POST[$key]) || isset($_GET[$key]));
    }

    public static function isSubmit($submit): bool
    {
        return isset($_POST[$submit]) || isset($_POST[$submit . '_x']) || isset($_POST[$submit . '_y'])
            || isset($_GET[$submit]) || isset($_GET[$submit . '_x']) || isset($_GET[$submit . '_y']);
    }

    /** @return string|false */
    public static function getAdminTokenLite($tab, ?Context $context = null)
    {
        $context = $context ?? Context::getContext();
        $employee = $context->employee === null ? 0 : (int) $context->employee->id;
        return self::getAdminToken($tab . (int) (self::TAB_IDS[$tab] ?? 0) . $employee);
    }

    /** @return string|false */
    public static function getAdminToken($string)
    {
        return !empty($string) ? self::hash($string) : false;
    }

    public static function hash($passwd): string
    {
        return md5(_COOKIE_KEY_ . $passwd);
    }

    public static function getShopDomainSsl($http = false, $entities = false): string
    {
        $domain = (string) Shop::$configuration['PS_SHOP_DOMAIN_SSL'];
        return ($http ? 'https://' : '') . ($entities ? htmlspecialchars($domain, ENT_COMPAT, 'UTF-8') : $domain);
    }
}
