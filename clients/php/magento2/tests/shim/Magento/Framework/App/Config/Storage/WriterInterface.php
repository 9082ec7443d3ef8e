<?php

/**
 * Shim of Magento\Framework\App\Config\Storage\WriterInterface: save() and delete() of
 * one core_config_data row ($path, $scope, $scopeId). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Config\Storage;

use Magento\Framework\App\Config\ScopeConfigInterface;

interface WriterInterface
{
    public function delete($path, $scope = ScopeConfigInterface::SCOPE_TYPE_DEFAULT, $scopeId = 0);

    public function save($path, $value, $scope = ScopeConfigInterface::SCOPE_TYPE_DEFAULT, $scopeId = 0);
}
