<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model\System\Message;

use Magento\Framework\AuthorizationInterface;
use Magento\Framework\Escaper;
use Magento\Framework\Notification\MessageInterface;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\Settings;

/**
 * A system message while the merchant consented but telemetry cannot run (no key pinned
 * in the release, no ingest URL or API key, a wrong value), with the reason, for roles
 * that may fix it (PluginTelemetry_Telemetry::config): otherwise the kill switch would
 * silently never arrive.
 */
class TelemetryOff implements MessageInterface
{
    private ClientFactory $clients;
    private Settings $settings;
    private Escaper $escaper;
    private AuthorizationInterface $authorization;

    public function __construct(
        ClientFactory $clients,
        Settings $settings,
        Escaper $escaper,
        AuthorizationInterface $authorization
    ) {
        $this->clients = $clients;
        $this->settings = $settings;
        $this->escaper = $escaper;
        $this->authorization = $authorization;
    }

    public function getIdentity()
    {
        return 'plugin_telemetry_off_' . md5((string) $this->clients->problem());
    }

    public function isDisplayed()
    {
        return $this->settings->consent()
            && $this->authorization->isAllowed('PluginTelemetry_Telemetry::config')
            && $this->clients->problem() !== null;
    }

    public function getText()
    {
        return $this->escaper->escapeHtml(
            'Plugin telemetry is off: ' . (string) $this->clients->problem()
            . ' (Stores > Configuration > Sales > Plugin Telemetry).'
        );
    }

    public function getSeverity()
    {
        return self::SEVERITY_MAJOR;
    }
}
