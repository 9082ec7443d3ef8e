<?php

/**
 * PrestaShop's Configuration (classes/Configuration.php), the calls the module makes,
 * as documented at https://devdocs.prestashop-project.org/8/development/components/configuration/
 * and in the class's docblocks: values are strings, get() answers false for a missing
 * key, updateValue()/updateGlobalValue() store and answer true, deleteByName() removes
 * the key in every shop. Single shop only (the module stores global values). Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace

use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

class Configuration
{
    /**
     * @param mixed $default
     * @return string|false|mixed
     */
    public static function get($key, $idLang = null, $idShopGroup = null, $idShop = null, $default = false)
    {
        return array_key_exists($key, Shop::$configuration) ? Shop::$configuration[$key] : $default;
    }

    public static function hasKey($key, $idLang = null, $idShopGroup = null, $idShop = null): bool
    {
        return array_key_exists($key, Shop::$configuration);
    }

    /** @param string|int|bool|array<int, string> $values (an array is per language; the shim keeps one) */
    public static function updateValue($key, $values, $html = false, $idShopGroup = null, $idShop = null): bool
    {
        if (!is_string($key) || !preg_match('/^[A-Z0-9_]{1,254}$/i', $key)) {
            return false;
        }
        $value = is_array($values) ? (string) reset($values) : (string) $values;
        Shop::$configuration[$key] = $html ? $value : strip_tags($value);
        return true;
    }

    /** @param string|int|bool|array<int, string> $values */
    public static function updateGlobalValue($key, $values, $html = false): bool
    {
        return self::updateValue($key, $values, $html, 0, 0);
    }

    public static function deleteByName($key): bool
    {
        unset(Shop::$configuration[$key]);
        return true;
    }
}
