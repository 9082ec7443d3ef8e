<?php

/**
 * For the payment gateway this adapter ships with: ask from the gateway's own code.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

if (!function_exists('ptwc_payments_blocked')) {
    /**
     * True while Ops' signed block_plugin is on: a gateway's is_available() returns false.
     * Reads local verified state only (no network); false when telemetry is not set up.
     */
    function ptwc_payments_blocked(): bool
    {
        return class_exists('PTWC_Plugin') && PTWC_Plugin::instance()->is_blocked();
    }
}

if (!function_exists('ptwc_debug_enabled')) {
    /** True while Ops' signed enable_debug is on: log more (it ends at its own expiry). */
    function ptwc_debug_enabled(): bool
    {
        return class_exists('PTWC_Plugin') && PTWC_Plugin::instance()->debug_enabled();
    }
}
