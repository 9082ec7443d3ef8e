<?php

/**
 * Shim of Magento\Backend\App\Action\Context: what a backend action's constructor takes
 * (request, authorization, backend URL, message manager, redirect factory). The real
 * context carries more; these are the ones Magento\Backend\App\Action uses here. Tests only.
 */

declare(strict_types=1);

namespace Magento\Backend\App\Action;

use Magento\Backend\Model\UrlInterface;
use Magento\Backend\Model\View\Result\RedirectFactory;
use Magento\Framework\App\RequestInterface;
use Magento\Framework\AuthorizationInterface;
use Magento\Framework\Message\ManagerInterface;

class Context
{
    private RequestInterface $request;
    private AuthorizationInterface $authorization;
    private UrlInterface $backendUrl;
    private ManagerInterface $messageManager;
    private RedirectFactory $resultRedirectFactory;

    public function __construct(
        RequestInterface $request,
        AuthorizationInterface $authorization,
        UrlInterface $backendUrl,
        ManagerInterface $messageManager,
        RedirectFactory $resultRedirectFactory
    ) {
        $this->request = $request;
        $this->authorization = $authorization;
        $this->backendUrl = $backendUrl;
        $this->messageManager = $messageManager;
        $this->resultRedirectFactory = $resultRedirectFactory;
    }

    public function getRequest()
    {
        return $this->request;
    }

    public function getAuthorization()
    {
        return $this->authorization;
    }

    public function getBackendUrl()
    {
        return $this->backendUrl;
    }

    public function getMessageManager()
    {
        return $this->messageManager;
    }

    public function getResultRedirectFactory()
    {
        return $this->resultRedirectFactory;
    }
}
