<?php

/**
 * 1.0.0 -> 1.1.0. PrestaShop calls upgrade_module_1_1_0() when a shop running an older
 * version of the module gets this one (Modules > Upgrade, or a newer zip uploaded over
 * it), with an instance of the module built from the new files. 1.0.0 registered only
 * paymentOptions and displayBackOfficeHeader; 1.1.0 adds:
 *
 * - the payment-failure, order-count, back-office-notice and cronjobs hooks;
 * - the cron controller, whose token a 1.0.0 shop does not have yet;
 * - the var/ folder for the state, closed to the web.
 *
 * Every step can run twice without harm (PrestaShop retries a failed upgrade). Global
 * function names must be unique across every upgrade file of every module.
 */

// phpcs:disable PSR1.Files.SideEffects

if (!defined('_PS_VERSION_')) {
    exit;
}

/**
 * @param PluginTelemetry $module
 * @return bool
 */
function upgrade_module_1_1_0($module)
{
    if (!$module->stateStore()->protectDirectory()) {
        return false;
    }
    foreach (PluginTelemetry::HOOKS as $hook) {
        if (!$module->isRegisteredInHook($hook) && !$module->registerHook($hook)) {
            return false;
        }
    }
    return $module->settings()->ensureIdentity();
}
