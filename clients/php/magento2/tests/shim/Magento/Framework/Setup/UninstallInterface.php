<?php

/**
 * Shim of Magento\Framework\Setup\UninstallInterface: what `bin/magento module:uninstall
 * --remove-data` runs for a module (Setup/Uninstall.php). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Setup;

interface UninstallInterface
{
    /** @return void */
    public function uninstall(SchemaSetupInterface $setup, ModuleContextInterface $context);
}
