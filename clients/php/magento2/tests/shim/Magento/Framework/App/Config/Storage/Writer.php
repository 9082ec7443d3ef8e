<?php

/**
 * Shim of Magento\Framework\App\Config\Storage\Writer: one core_config_data row per
 * path (default scope) in PluginTelemetry\Magento\Tests\Shim\Database. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Config\Storage;

use Magento\Framework\App\Config\ScopeConfigInterface;
use PluginTelemetry\Magento\Tests\Shim\Database;

class Writer implements WriterInterface
{
    public function delete($path, $scope = ScopeConfigInterface::SCOPE_TYPE_DEFAULT, $scopeId = 0)
    {
        unset(Database::$coreConfigData[$path]);
    }

    public function save($path, $value, $scope = ScopeConfigInterface::SCOPE_TYPE_DEFAULT, $scopeId = 0)
    {
        Database::$coreConfigData[$path] = $value === null ? null : (string) $value;
    }
}
