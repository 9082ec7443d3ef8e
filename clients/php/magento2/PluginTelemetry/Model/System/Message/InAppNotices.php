<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model\System\Message;

use Magento\Backend\Model\UrlInterface;
use Magento\Framework\AuthorizationInterface;
use Magento\Framework\Escaper;
use Magento\Framework\Notification\MessageInterface;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/**
 * Ops' in-app notices as one system message, each notice with a Dismiss link (the
 * plugintelemetry/notice/dismiss action, with the admin URL's secret key), for admins
 * with PluginTelemetry_Telemetry::notices. Dismissing acknowledges the notice to Ops,
 * which stops their e-mail and SMS escalation. From the last verified state (no request).
 */
class InAppNotices implements MessageInterface
{
    private ClientFactory $clients;
    private UrlInterface $url;
    private Escaper $escaper;
    private AuthorizationInterface $authorization;

    public function __construct(
        ClientFactory $clients,
        UrlInterface $url,
        Escaper $escaper,
        AuthorizationInterface $authorization
    ) {
        $this->clients = $clients;
        $this->url = $url;
        $this->escaper = $escaper;
        $this->authorization = $authorization;
    }

    public function getIdentity()
    {
        return 'plugin_telemetry_notices_' . md5(implode(',', array_column($this->notices(), 'notice_id')));
    }

    public function isDisplayed()
    {
        return $this->authorization->isAllowed('PluginTelemetry_Telemetry::notices') && $this->notices() !== [];
    }

    public function getText()
    {
        $items = [];
        foreach ($this->notices() as $notice) {
            $id = (string) $notice['notice_id'];
            $message = is_string($notice['message'] ?? null) && $notice['message'] !== ''
                ? $notice['message']
                : 'Version ' . (string) ($notice['to_version'] ?? '') . ' of the payments extension is available.';
            $dismiss = $this->url->getUrl('plugintelemetry/notice/dismiss', ['id' => $id]);
            $items[] = '<span data-plugin-telemetry-notice="' . $this->escaper->escapeHtmlAttr($id) . '">'
                . $this->escaper->escapeHtml($message)
                . ' <a href="' . $this->escaper->escapeUrl($dismiss) . '">'
                . $this->escaper->escapeHtml('Dismiss') . '</a></span>';
        }
        return implode('<br/>', $items);
    }

    public function getSeverity()
    {
        foreach ($this->notices() as $notice) {
            if (($notice['critical'] ?? false) === true) {
                return self::SEVERITY_CRITICAL;
            }
        }
        return self::SEVERITY_MAJOR;
    }

    /** @return list<array<string, mixed>> */
    private function notices(): array
    {
        $client = $this->clients->create();
        return $client === null ? [] : $client->pendingNotices();
    }
}
