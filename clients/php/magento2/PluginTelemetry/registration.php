<?php

/**
 * Registers the module with Magento (loaded by Composer's autoloader, `autoload.files`
 * in composer.json, or by Magento's app/code scan).
 */

declare(strict_types=1);

use Magento\Framework\Component\ComponentRegistrar;

ComponentRegistrar::register(ComponentRegistrar::MODULE, 'PluginTelemetry_Telemetry', __DIR__);
