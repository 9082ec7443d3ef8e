<?php

/**
 * The core's logger, WooCommerce's way: WC_Logger (WooCommerce > Status > Logs, source
 * `plugin-telemetry`), or PHP's error log when WooCommerce is not loaded. Warnings are
 * always written; debug lines only while Ops' signed `enable_debug` is on (it ends by
 * itself at the toggle's expiry). The core never passes the API key here.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

use PluginTelemetry\Core\Logger;

/**
 * Logger for the core and the adapter.
 */
final class PTWC_Logger implements Logger
{
    public const SOURCE = 'plugin-telemetry';

    /** @var callable(): bool */
    private $debug_enabled;

    /** @var bool guards against a debug check that logs */
    private $busy = false;

    /** @param callable(): bool $debug_enabled */
    public function __construct(callable $debug_enabled)
    {
        $this->debug_enabled = $debug_enabled;
    }

    public function warning(string $message, array $context = array()): void
    {
        $this->write('warning', $message, $context);
    }

    public function debug(string $message, array $context = array()): void
    {
        if ($this->busy) {
            return;
        }
        $this->busy = true;
        try {
            $on = (bool) call_user_func($this->debug_enabled);
        } finally {
            $this->busy = false;
        }
        if ($on) {
            $this->write('debug', $message, $context);
        }
    }

    /** @param array<string, mixed> $context */
    private function write(string $level, string $message, array $context): void
    {
        if ($context !== array()) {
            $message .= ' ' . wp_json_encode($context, JSON_UNESCAPED_SLASHES);
        }
        if (function_exists('wc_get_logger')) {
            wc_get_logger()->log($level, $message, array('source' => self::SOURCE));
            return;
        }
        if ($level === 'warning' || (defined('WP_DEBUG') && WP_DEBUG)) {
            error_log('[' . self::SOURCE . '] ' . $level . ': ' . $message); // phpcs:ignore -- the fallback without WooCommerce
        }
    }
}
