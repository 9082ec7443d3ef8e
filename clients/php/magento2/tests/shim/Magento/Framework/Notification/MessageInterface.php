<?php

/**
 * Shim of Magento\Framework\Notification\MessageInterface, the admin's system messages:
 * getIdentity(), isDisplayed(), getText() (HTML), getSeverity() with the SEVERITY_*
 * constants (1 critical, 2 major, 3 notice, 4 minor). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Notification;

interface MessageInterface
{
    public const SEVERITY_CRITICAL = 1;
    public const SEVERITY_MAJOR = 2;
    public const SEVERITY_NOTICE = 3;
    public const SEVERITY_MINOR = 4;

    public function getIdentity();

    public function isDisplayed();

    public function getText();

    public function getSeverity();
}
