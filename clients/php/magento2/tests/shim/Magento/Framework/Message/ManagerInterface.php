<?php

/**
 * Shim of Magento\Framework\Message\ManagerInterface: the admin's session messages
 * (addSuccessMessage, addErrorMessage, addNoticeMessage). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Message;

interface ManagerInterface
{
    public function addSuccessMessage($message, $group = null);

    public function addErrorMessage($message, $group = null);

    public function addNoticeMessage($message, $group = null);
}
