<?php

/**
 * Shim of Magento\Framework\Event (lib/internal/Magento/Framework/Event.php): a
 * DataObject carrying the dispatched data, with getName(). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

class Event extends DataObject
{
    public function getName()
    {
        return $this->getData('name');
    }
}
