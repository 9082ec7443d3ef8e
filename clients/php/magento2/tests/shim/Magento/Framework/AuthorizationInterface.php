<?php

/**
 * Shim of Magento\Framework\AuthorizationInterface: isAllowed($resource, $privilege = null)
 * for the logged-in admin's role. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

interface AuthorizationInterface
{
    public function isAllowed($resource, $privilege = null);
}
