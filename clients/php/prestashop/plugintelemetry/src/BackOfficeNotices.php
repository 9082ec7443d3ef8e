<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use PluginTelemetry\Core\TelemetryClient;

/**
 * What Ops tell the merchant, as back-office alerts (Bootstrap's `alert` classes, as
 * the back office's own): a forced update (`force_update`), upgrade advice, and in-app
 * notices, each with a dismiss link. Everything comes from the last verified state
 * (no request); every value is escaped, and a package URL is linked only when it is
 * http(s).
 */
final class BackOfficeNotices
{
    private string $moduleName;

    public function __construct(string $moduleName)
    {
        $this->moduleName = $moduleName;
    }

    /** @param callable(string): string $dismissUrl the dismiss link of a notice id */
    public function render(TelemetryClient $client, callable $dismissUrl): string
    {
        $html = '';
        $advice = $client->upgradeAdvice();
        $forced = $client->toggle('force_update');
        if ($forced !== null && $forced !== false) {
            $html .= $this->alert('danger', sprintf(
                '%s needs an update now%s.',
                $this->moduleName,
                $advice !== null ? ' to version ' . (string) ($advice['latest_version'] ?? '') : ''
            ), $advice, null);
        } elseif ($advice !== null) {
            $required = ($advice['required'] ?? false) === true || ($advice['critical'] ?? false) === true;
            $html .= $this->alert($required ? 'danger' : 'info', sprintf(
                '%s %s is available%s.',
                $this->moduleName,
                (string) ($advice['latest_version'] ?? ''),
                $required ? ' and required' : ''
            ), $advice, null);
        }
        foreach ($client->pendingNotices() as $notice) {
            $id = (string) $notice['notice_id'];
            $message = is_string($notice['message'] ?? null) && $notice['message'] !== ''
                ? $notice['message']
                : sprintf('%s %s is available.', $this->moduleName, (string) ($notice['to_version'] ?? ''));
            $html .= $this->alert(
                ($notice['critical'] ?? false) === true ? 'danger' : 'warning',
                $message,
                null,
                $dismissUrl($id),
                $id
            );
        }
        return $html;
    }

    /** @param array<string, mixed>|null $advice */
    private function alert(
        string $kind,
        string $text,
        ?array $advice,
        ?string $dismissUrl,
        ?string $noticeId = null
    ): string {
        $html = '<div class="alert alert-' . $kind . '" data-plugintelemetry'
            . ($noticeId !== null ? '-notice="' . self::e($noticeId) . '"' : '')
            . '>' . self::e($text);
        $url = is_array($advice) ? ($advice['package_url'] ?? null) : null;
        if (is_string($url) && preg_match('#^https?://#i', $url) === 1) {
            $html .= ' <a href="' . self::e($url) . '" target="_blank" rel="noopener noreferrer">Download</a>';
        }
        if ($dismissUrl !== null) {
            $html .= ' <a class="btn btn-default btn-sm" href="' . self::e($dismissUrl) . '">Dismiss</a>';
        }
        return $html . '</div>';
    }

    private static function e(string $s): string
    {
        return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
    }
}
