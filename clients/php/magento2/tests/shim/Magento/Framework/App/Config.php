<?php

/**
 * Shim of Magento\Framework\App\Config, the ScopeConfigInterface implementation: the
 * `default` values of every registered module's etc/config.xml, overridden by
 * core_config_data rows (Magento merges them the same way), default scope only. The
 * rows are PluginTelemetry\Magento\Tests\Shim\Database::$coreConfigData. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App;

use Magento\Framework\App\Config\ScopeConfigInterface;
use Magento\Framework\Component\ComponentRegistrar;
use PluginTelemetry\Magento\Tests\Shim\Database;

class Config implements ScopeConfigInterface
{
    /** @var array<string, string>|null */
    private static ?array $defaults = null;

    public function getValue($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null)
    {
        if (array_key_exists($path, Database::$coreConfigData)) {
            return Database::$coreConfigData[$path];
        }
        return self::defaults()[$path] ?? null;
    }

    public function isSetFlag($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null)
    {
        return (bool) $this->getValue($path, $scopeType, $scopeCode);
    }

    /** @return array<string, string> the etc/config.xml defaults, as path => value */
    private static function defaults(): array
    {
        if (self::$defaults === null) {
            self::$defaults = [];
            foreach ((new ComponentRegistrar())->getPaths(ComponentRegistrar::MODULE) as $dir) {
                $xml = is_file($dir . '/etc/config.xml') ? simplexml_load_file($dir . '/etc/config.xml') : false;
                if ($xml !== false && isset($xml->default)) {
                    self::flatten($xml->default, '');
                }
            }
        }
        return self::$defaults;
    }

    private static function flatten(\SimpleXMLElement $node, string $prefix): void
    {
        foreach ($node->children() as $name => $child) {
            $path = $prefix === '' ? $name : $prefix . '/' . $name;
            if ($child->count() > 0) {
                self::flatten($child, $path);
            } else {
                self::$defaults[$path] = (string) $child;
            }
        }
    }
}
