<?php

/**
 * PrestaShop's PaymentOption (src/Core/Payment/PaymentOption.php), what a module returns
 * from hookPaymentOptions (https://devdocs.prestashop-project.org/8/modules/payment/):
 * the fluent setters and their getters for the fields the module sets. Tests only.
 */

declare(strict_types=1);

namespace PrestaShop\PrestaShop\Core\Payment;

class PaymentOption
{
    private ?string $callToActionText = null;
    private ?string $action = null;
    private ?string $moduleName = null;
    private ?string $additionalInformation = null;
    private ?string $logo = null;

    public function getCallToActionText()
    {
        return $this->callToActionText;
    }

    public function setCallToActionText($callToActionText)
    {
        $this->callToActionText = $callToActionText;
        return $this;
    }

    public function getAction()
    {
        return $this->action;
    }

    public function setAction($action)
    {
        $this->action = $action;
        return $this;
    }

    public function getModuleName()
    {
        return $this->moduleName;
    }

    public function setModuleName($moduleName)
    {
        $this->moduleName = $moduleName;
        return $this;
    }

    public function getAdditionalInformation()
    {
        return $this->additionalInformation;
    }

    public function setAdditionalInformation($additionalInformation)
    {
        $this->additionalInformation = $additionalInformation;
        return $this;
    }

    public function getLogo()
    {
        return $this->logo;
    }

    public function setLogo($logo)
    {
        $this->logo = $logo;
        return $this;
    }
}
