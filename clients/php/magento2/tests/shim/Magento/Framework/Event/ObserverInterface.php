<?php

/**
 * Shim of Magento\Framework\Event\ObserverInterface, as the "Events and observers" page
 * documents it (https://developer.adobe.com/commerce/php/development/components/events-and-observers/).
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Event;

interface ObserverInterface
{
    /** @return void */
    public function execute(Observer $observer);
}
