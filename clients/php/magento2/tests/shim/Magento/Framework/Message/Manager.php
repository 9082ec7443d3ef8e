<?php

/**
 * Shim of Magento\Framework\Message\Manager: messages kept as [type, text] pairs. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Message;

class Manager implements ManagerInterface
{
    /** @var list<array{0: string, 1: string}> */
    public array $messages = [];

    public function addSuccessMessage($message, $group = null)
    {
        $this->messages[] = ['success', (string) $message];
        return $this;
    }

    public function addErrorMessage($message, $group = null)
    {
        $this->messages[] = ['error', (string) $message];
        return $this;
    }

    public function addNoticeMessage($message, $group = null)
    {
        $this->messages[] = ['notice', (string) $message];
        return $this;
    }
}
