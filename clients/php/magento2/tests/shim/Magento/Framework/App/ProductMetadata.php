<?php

/**
 * Shim of Magento\Framework\App\ProductMetadata: Magento Open Source 2.4.7. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App;

class ProductMetadata implements ProductMetadataInterface
{
    public function getVersion()
    {
        return '2.4.7';
    }

    public function getEdition()
    {
        return 'Community';
    }

    public function getName()
    {
        return 'Magento';
    }
}
