<?php

/**
 * Shim of Magento\Backend\Model\View\Result\RedirectFactory: create() a Redirect. Tests only.
 */

declare(strict_types=1);

namespace Magento\Backend\Model\View\Result;

use Magento\Framework\Controller\Result\Redirect;

class RedirectFactory
{
    /** @param array<string, mixed> $data */
    public function create(array $data = [])
    {
        return new Redirect();
    }
}
