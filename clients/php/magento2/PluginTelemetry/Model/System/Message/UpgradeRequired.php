<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model\System\Message;

use Magento\Framework\AuthorizationInterface;
use Magento\Framework\Escaper;
use Magento\Framework\Notification\MessageInterface;
use PluginTelemetry\Telemetry\Model\ClientFactory;

/**
 * A system message (the bar at the top of every admin page) while Ops force an update
 * (`force_update`) or advise one, for admins with PluginTelemetry_Telemetry::notices.
 * Everything comes from the last verified state (no request); every value is escaped.
 */
class UpgradeRequired implements MessageInterface
{
    private ClientFactory $clients;
    private Escaper $escaper;
    private AuthorizationInterface $authorization;

    public function __construct(ClientFactory $clients, Escaper $escaper, AuthorizationInterface $authorization)
    {
        $this->clients = $clients;
        $this->escaper = $escaper;
        $this->authorization = $authorization;
    }

    public function getIdentity()
    {
        $advice = $this->advice();
        $what = [$this->forced(), $advice['latest_version'] ?? null];
        return 'plugin_telemetry_upgrade_' . md5((string) json_encode($what));
    }

    public function isDisplayed()
    {
        return $this->authorization->isAllowed('PluginTelemetry_Telemetry::notices')
            && ($this->forced() || $this->advice() !== null);
    }

    public function getText()
    {
        $advice = $this->advice();
        $version = is_array($advice) ? (string) ($advice['latest_version'] ?? '') : '';
        $text = $this->forced()
            ? 'The payments extension needs an update now' . ($version !== '' ? ' to version ' . $version : '') . '.'
            : 'Version ' . $version . ' of the payments extension is available'
                . ($this->required() ? ' and required' : '') . '.';
        $html = $this->escaper->escapeHtml($text)
            . ' Run <code>composer update plugin-telemetry/magento2-telemetry</code>.';
        $url = is_array($advice) ? ($advice['package_url'] ?? null) : null;
        if (is_string($url) && preg_match('#^https?://#i', $url) === 1) {
            $html .= ' <a href="' . $this->escaper->escapeUrl($url) . '" target="_blank" rel="noopener noreferrer">'
                . $this->escaper->escapeHtml('Release') . '</a>';
        }
        return $html;
    }

    public function getSeverity()
    {
        return $this->forced() || $this->required() ? self::SEVERITY_CRITICAL : self::SEVERITY_NOTICE;
    }

    private function forced(): bool
    {
        $client = $this->clients->create();
        $value = $client === null ? null : $client->toggle('force_update');
        return $value !== null && $value !== false;
    }

    /** @return array<string, mixed>|null */
    private function advice(): ?array
    {
        $client = $this->clients->create();
        return $client === null ? null : $client->upgradeAdvice();
    }

    private function required(): bool
    {
        $advice = $this->advice();
        return is_array($advice)
            && (($advice['required'] ?? false) === true || ($advice['critical'] ?? false) === true);
    }
}
