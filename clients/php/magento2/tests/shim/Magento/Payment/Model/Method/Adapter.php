<?php

/**
 * Shim of Magento\Payment\Model\Method\Adapter, the payment method facade (the Payment
 * Gateway's, https://developer.adobe.com/commerce/php/development/payments-integrations/payment-gateway/):
 * isAvailable($quote) starts from "available", dispatches `payment_method_is_active`
 * with `result` (a DataObject whose `is_available` observers may set to false),
 * `method_instance` and `quote`, and answers `is_available`. The real adapter also asks
 * its gateway's value handlers (active flag, countries…); this one has none, and takes
 * its code and the event manager only. Tests only.
 */

declare(strict_types=1);

namespace Magento\Payment\Model\Method;

use Magento\Framework\DataObject;
use Magento\Framework\Event\ManagerInterface;
use Magento\Payment\Model\MethodInterface;

class Adapter implements MethodInterface
{
    private ManagerInterface $eventManager;
    private string $code;

    public function __construct(ManagerInterface $eventManager, string $code)
    {
        $this->eventManager = $eventManager;
        $this->code = $code;
    }

    public function getCode()
    {
        return $this->code;
    }

    public function isAvailable($quote = null)
    {
        $checkResult = new DataObject();
        $checkResult->setData('is_available', true);
        $this->eventManager->dispatch('payment_method_is_active', [
            'result' => $checkResult,
            'method_instance' => $this,
            'quote' => $quote,
        ]);
        return (bool) $checkResult->getData('is_available');
    }
}
