<?php

/**
 * Shim of Magento\Framework\Event\Observer (lib/internal/Magento/Framework/Event/
 * Observer.php): what an observer's execute() receives; getEvent() is the Event, and
 * the dispatched data is on both. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Event;

use Magento\Framework\DataObject;
use Magento\Framework\Event;

class Observer extends DataObject
{
    /** @return Event */
    public function getEvent()
    {
        return $this->getData('event');
    }
}
