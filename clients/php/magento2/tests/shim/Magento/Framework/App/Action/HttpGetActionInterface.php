<?php

/**
 * Shim of Magento\Framework\App\Action\HttpGetActionInterface: an action that answers
 * GET requests (Magento refuses other methods for it). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Action;

use Magento\Framework\App\ActionInterface;

interface HttpGetActionInterface extends ActionInterface
{
}
