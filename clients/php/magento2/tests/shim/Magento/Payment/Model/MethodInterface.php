<?php

/**
 * Shim of Magento\Payment\Model\MethodInterface: getCode(), isAvailable($quote = null).
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Payment\Model;

interface MethodInterface
{
    public function getCode();

    public function isAvailable($quote = null);
}
