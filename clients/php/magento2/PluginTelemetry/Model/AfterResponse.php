<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use PluginTelemetry\Core\AfterResponse as CoreAfterResponse;

/**
 * The core's AfterResponse (work that must not delay the page, run once the response
 * is sent; fastcgi_finish_request under PHP-FPM, which Magento requires in production),
 * as a type of the module's own: Magento's object manager shares one instance per type,
 * so the module gets its one queue per request, with its log prefix, by asking for this
 * class, without a di.xml entry on the core's class (which would reach every other
 * module that ships the core).
 */
class AfterResponse extends CoreAfterResponse
{
    public function __construct()
    {
        parent::__construct('[plugin_telemetry]');
    }
}
