<?php

/**
 * Shim of Magento\Framework\UrlInterface: getUrl($routePath = null, $routeParams = null).
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

interface UrlInterface
{
    /** @param array<string, mixed>|null $routeParams */
    public function getUrl($routePath = null, $routeParams = null);
}
