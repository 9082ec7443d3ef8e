<?php

/**
 * Shim of Magento\Framework\Component\ComponentRegistrar (lib/internal/Magento/Framework/
 * Component/ComponentRegistrar.php), as the "Register your component" page of the PHP
 * developer guide documents it (https://developer.adobe.com/commerce/php/development/build/component-registration/):
 * register($type, $componentName, $path) refuses a second registration of a name;
 * getPaths($type) and getPath($type, $componentName). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Component;

class ComponentRegistrar
{
    public const MODULE = 'module';
    public const LIBRARY = 'library';
    public const THEME = 'theme';
    public const LANGUAGE = 'language';

    /** @var array<string, array<string, string>> */
    private static array $paths = [self::MODULE => [], self::LIBRARY => [], self::THEME => [], self::LANGUAGE => []];

    public static function register($type, $componentName, $path)
    {
        if (isset(self::$paths[$type][$componentName])) {
            throw new \LogicException(
                ucfirst($type) . " '{$componentName}' from '{$path}' has been already defined in '"
                . self::$paths[$type][$componentName] . "'."
            );
        }
        self::$paths[$type][$componentName] = str_replace('\\', '/', $path);
    }

    /** @return array<string, string> */
    public function getPaths($type)
    {
        return self::$paths[$type];
    }

    public function getPath($type, $componentName)
    {
        return self::$paths[$type][$componentName] ?? null;
    }
}
