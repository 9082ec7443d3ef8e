<?php

/**
 * Shim of Magento\Framework\Setup\ModuleContextInterface: getVersion(), the module's
 * installed setup version. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Setup;

interface ModuleContextInterface
{
    public function getVersion();
}
