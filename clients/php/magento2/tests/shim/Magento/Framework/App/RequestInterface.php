<?php

/**
 * Shim of Magento\Framework\App\RequestInterface: getParam($key, $defaultValue = null),
 * getParams(), getMethod(). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App;

interface RequestInterface
{
    public function getParam($key, $defaultValue = null);

    /** @return array<string, mixed> */
    public function getParams();

    public function getMethod();
}
