<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Cron;

use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Telemetry\Model\ClientFactory;
use PluginTelemetry\Telemetry\Model\Logger;

/**
 * The `plugin_telemetry_refresh` job (etc/crontab.xml, every minute, in its own group):
 * what is due, if anything (a heartbeat, else a config poll, then the queued events;
 * at most a few requests of at most 2 s). Nothing at all before the merchant's consent.
 */
class Heartbeat
{
    private ClientFactory $clients;
    private Logger $logger;

    public function __construct(ClientFactory $clients, Logger $logger)
    {
        $this->clients = $clients;
        $this->logger = $logger;
    }

    public function execute(): ?CallResult
    {
        $client = $this->clients->create();
        if ($client === null) {
            $this->logger->debug('not configured: ' . (string) $this->clients->problem());
            return null;
        }
        if (!$client->hasConsent()) {
            return null;
        }
        $result = $client->refreshIfDue();
        if (!$result->ok() && !in_array($result->reason(), [CallResult::NOT_DUE, CallResult::IN_PROGRESS], true)) {
            $this->logger->debug('refresh: ' . (string) json_encode($result->toArray()));
        }
        return $result;
    }
}
