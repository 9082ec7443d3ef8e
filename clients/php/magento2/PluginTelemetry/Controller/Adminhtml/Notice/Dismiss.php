<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Controller\Adminhtml\Notice;

use Magento\Backend\App\Action;
use Magento\Backend\App\Action\Context;
use Magento\Framework\App\Action\HttpGetActionInterface;
use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/**
 * plugintelemetry/notice/dismiss/id/<notice id>: the Dismiss link of a notice. Magento's
 * backend action checks first the admin URL's secret key and the ADMIN_RESOURCE (an
 * admin without it gets the access-denied page); then the notice is hidden at once and
 * `notice_acknowledged` is sent (one request of at most 2 s; queued if ingest is
 * unreachable). Back to the page the admin came from.
 */
class Dismiss extends Action implements HttpGetActionInterface
{
    public const ADMIN_RESOURCE = 'PluginTelemetry_Telemetry::notices';

    private ClientFactory $clients;

    public function __construct(Context $context, ClientFactory $clients)
    {
        parent::__construct($context);
        $this->clients = $clients;
    }

    public function execute()
    {
        $id = (string) $this->getRequest()->getParam('id', '');
        $client = $this->clients->create();
        if ($client === null) {
            $problem = (string) $this->clients->problem();
            $this->messageManager->addErrorMessage(__('Plugin telemetry is off: %1', $problem));
        } else {
            $result = $client->acknowledgeNotice($id);
            if ($result->reason() === CallResult::INVALID_ARGUMENT) {
                $this->messageManager->addErrorMessage(__('Unknown notice.'));
            } elseif ($result->ok() || !$client->hasConsent()) {
                $this->messageManager->addSuccessMessage(__('Notice dismissed.'));
            } else {
                $this->messageManager->addSuccessMessage(
                    __('Notice dismissed here; Ops will be told as soon as ingest can be reached.')
                );
            }
        }
        return $this->resultRedirectFactory->create()->setRefererOrBaseUrl();
    }
}
