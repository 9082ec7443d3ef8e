<?php

/**
 * Shim of Magento\Framework\Setup\SchemaSetupInterface (its SetupInterface part:
 * startSetup(), endSetup()). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Setup;

interface SchemaSetupInterface
{
    public function startSetup();

    public function endSetup();
}
