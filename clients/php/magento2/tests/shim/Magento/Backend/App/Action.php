<?php

/**
 * Shim of Magento\Backend\App\Action (with its parent Magento\Backend\App\AbstractAction),
 * as "Admin controllers" and the ACL tutorial document it:
 * dispatch($request) first checks `_isAllowed()` (the ADMIN_RESOURCE, default
 * Magento_Backend::admin) and answers the access-denied page (here a 403 marker) when
 * refused; then `_processUrlKeys()`: with secret keys on, a request whose `key` is not
 * the secret of its route is refused ("Invalid security or form key", a redirect to
 * the dashboard); then execute(). Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR2.Methods.MethodDeclaration.Underscore
// phpcs:disable PSR2.Classes.PropertyDeclaration.Underscore

namespace Magento\Backend\App;

use Magento\Backend\App\Action\Context;
use Magento\Framework\App\ActionInterface;
use Magento\Framework\App\RequestInterface;

abstract class Action implements ActionInterface
{
    public const ADMIN_RESOURCE = 'Magento_Backend::admin';

    /** @var \Magento\Framework\AuthorizationInterface */
    protected $_authorization;
    /** @var \Magento\Backend\Model\UrlInterface */
    protected $_backendUrl;
    /** @var \Magento\Framework\Message\ManagerInterface */
    protected $messageManager;
    /** @var \Magento\Backend\Model\View\Result\RedirectFactory */
    protected $resultRedirectFactory;
    /** @var RequestInterface */
    private $request;

    public function __construct(Context $context)
    {
        $this->request = $context->getRequest();
        $this->_authorization = $context->getAuthorization();
        $this->_backendUrl = $context->getBackendUrl();
        $this->messageManager = $context->getMessageManager();
        $this->resultRedirectFactory = $context->getResultRedirectFactory();
    }

    /** @return mixed the action's result, or the shim's ['denied' => …] marker */
    public function dispatch(RequestInterface $request)
    {
        $this->request = $request;
        if (!$this->_isAllowed()) {
            return ['denied' => 403];
        }
        if ($this instanceof \Magento\Framework\App\Action\HttpGetActionInterface && $request->getMethod() !== 'GET') {
            return ['denied' => 404];
        }
        if (!$this->_processUrlKeys()) {
            $this->messageManager->addErrorMessage('Invalid security or form key. Please refresh the page.');
            return $this->resultRedirectFactory->create()->setPath('admin/dashboard');
        }
        return $this->execute();
    }

    public function getRequest()
    {
        return $this->request;
    }

    protected function _isAllowed()
    {
        return $this->_authorization->isAllowed(static::ADMIN_RESOURCE);
    }

    protected function _processUrlKeys()
    {
        if (!$this->_backendUrl->useSecretKey()) {
            return true;
        }
        $r = $this->request;
        if (!$r instanceof \Magento\Framework\App\Request\Http) {
            return false;
        }
        $expected = $this->_backendUrl->getSecretKey($r->getRouteName(), $r->getControllerName(), $r->getActionName());
        return hash_equals($expected, (string) $this->request->getParam('key', ''));
    }
}
