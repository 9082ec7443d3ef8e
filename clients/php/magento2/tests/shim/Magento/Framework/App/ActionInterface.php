<?php

/**
 * Shim of Magento\Framework\App\ActionInterface: execute(). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App;

interface ActionInterface
{
    /** @return mixed a result */
    public function execute();
}
