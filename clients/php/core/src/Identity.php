<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Who this installation is, and how it says so on the wire: the full heartbeat body
 * (schemas::heartbeat::HeartbeatRequest), the config poll's query
 * (ingest/src/routes/config.rs) and an event (schemas::event::EventRequest).
 */
final class Identity
{
    private string $installationId;
    private ?string $merchantId;
    private string $cms;
    private string $pluginVersion;
    private ?string $cmsVersion;
    private string $runtimeVersion;
    private ?string $siteHost;
    private string $environment;
    /** @var array<string, string> */
    private array $serverInfo;

    /** @param array<string, string> $serverInfo */
    public function __construct(
        string $installationId,
        ?string $merchantId,
        string $cms,
        string $pluginVersion,
        ?string $cmsVersion,
        string $runtimeVersion,
        ?string $siteHost,
        string $environment,
        array $serverInfo
    ) {
        $this->installationId = $installationId;
        $this->merchantId = $merchantId;
        $this->cms = $cms;
        $this->pluginVersion = $pluginVersion;
        $this->cmsVersion = $cmsVersion;
        $this->runtimeVersion = $runtimeVersion;
        $this->siteHost = $siteHost;
        $this->environment = $environment;
        $this->serverInfo = $serverInfo;
    }

    /**
     * The full heartbeat body. `$heartbeatId` is the same on every retry of one
     * heartbeat, so ingest counts a retried heartbeat once.
     *
     * @return array<string, mixed>
     */
    public function heartbeatBody(
        string $heartbeatId,
        ?int $requestsLastHour,
        int $errorsLastHour,
        ?string $lastErrorCode,
        int $now
    ): array {
        $body = [
            'installation_id' => $this->installationId,
            'heartbeat_id' => $heartbeatId,
            'cms' => $this->cms,
            'plugin_version' => $this->pluginVersion,
            'sdk_language' => Wire::SDK_LANGUAGE,
            'runtime_version' => $this->runtimeVersion,
            'environment' => $this->environment,
            'errors_last_hour' => $errorsLastHour,
            'sent_at' => Rfc3339::format($now),
        ];
        if ($this->merchantId !== null) {
            $body['merchant_id'] = $this->merchantId;
        }
        if ($this->cmsVersion !== null) {
            $body['cms_version'] = $this->cmsVersion;
        }
        if ($this->siteHost !== null) {
            $body['site_host'] = $this->siteHost;
        }
        if ($requestsLastHour !== null) {
            $body['requests_last_hour'] = $requestsLastHour;
        }
        if ($lastErrorCode !== null) {
            $body['last_error_code'] = $lastErrorCode;
        }
        if ($this->serverInfo !== []) {
            $body['server_info'] = $this->serverInfo;
        }
        return $body;
    }

    /** `GET /api/v1/plugins/config?…`: installation_id, cms and plugin_version are required. */
    public function configQuery(): string
    {
        $q = [
            'installation_id' => $this->installationId,
            'cms' => $this->cms,
            'plugin_version' => $this->pluginVersion,
            'runtime_version' => $this->runtimeVersion,
        ];
        if ($this->cmsVersion !== null) {
            $q['cms_version'] = $this->cmsVersion;
        }
        return http_build_query($q, '', '&', PHP_QUERY_RFC3986);
    }

    /**
     * One queued event as ingest reads it.
     *
     * @param array<string, mixed> $e a queued event (ClientState::event)
     * @return array<string, mixed>
     */
    public function eventBody(array $e): array
    {
        $body = [
            'event_id' => $e['event_id'],
            'type' => $e['type'],
            'installation_id' => $this->installationId,
            'cms' => $this->cms,
            'plugin_version' => $this->pluginVersion,
            'occurred_at' => $e['occurred_at'],
        ];
        if ($this->merchantId !== null) {
            $body['merchant_id'] = $this->merchantId;
        }
        if ($this->siteHost !== null) {
            $body['site_host'] = $this->siteHost;
        }
        foreach (array_keys(Wire::EVENT_FIELDS) as $k) {
            if (isset($e[$k]) && is_string($e[$k])) {
                $body[$k] = $e[$k];
            }
        }
        if (isset($e['data']) && is_array($e['data']) && $e['data'] !== []) {
            $body['data'] = (object) $e['data']; // an object on the wire even when its keys look numeric
        }
        return $body;
    }

    public function installationId(): string
    {
        return $this->installationId;
    }
}
