<?php

/**
 * Shim of Magento\Framework\App\Config\ScopeConfigInterface: getValue($path, $scopeType,
 * $scopeCode) and isSetFlag() (a value that casts to true), default scope
 * 'default'. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Config;

interface ScopeConfigInterface
{
    public const SCOPE_TYPE_DEFAULT = 'default';

    /** @return mixed */
    public function getValue($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null);

    public function isSetFlag($path, $scopeType = self::SCOPE_TYPE_DEFAULT, $scopeCode = null);
}
