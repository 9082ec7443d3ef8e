<?php

/**
 * Payment counts and errors of one PHP request, kept in memory and written once at
 * shutdown as a row of its own (`ptwc_tally_<random>`, non-autoloaded): an INSERT, never
 * a read-modify-write of a shared counter inside a shopper's request, so concurrent
 * checkouts neither wait for one another nor lose counts. The refresh (WP-Cron, or the
 * after-response hook) drains the rows into the core (recordRequest: one write per row;
 * recordError, at the row's time), which queues the `error` events and counts them for the next heartbeat.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

// phpcs:disable WordPress.DB.DirectDatabaseQuery -- insert-only rows, deleted by the one worker that drains them.

use PluginTelemetry\Core\TelemetryClient;

/**
 * Per-request counters, queued cheaply.
 */
final class PTWC_Tally
{
    public const ROW_PREFIX = 'ptwc_tally_';

    /** Rows drained per refresh (the rest wait for the next one). */
    private const DRAIN_ROWS = 200;

    /** At most this many errors are kept from one request. */
    private const MAX_ERRORS = 20;

    /** @var int */
    private $requests = 0;

    /** @var list<array{code: string, message: string}> */
    private $errors = array();

    /** A payment handled (completed or failed). */
    public function count_request(): void
    {
        $this->requests++;
    }

    /** A payment error, by code; the message must not hold personal data. */
    public function count_error(string $code, string $message = ''): void
    {
        $this->requests++;
        if (count($this->errors) < self::MAX_ERRORS) {
            $this->errors[] = array('code' => substr($code, 0, 128), 'message' => substr($message, 0, 512));
        }
    }

    public function is_empty(): bool
    {
        return $this->requests === 0 && $this->errors === array();
    }

    /** Writes this request's counts as one row (called once, at shutdown). */
    public function write(): void
    {
        if ($this->is_empty()) {
            return;
        }
        $row = array('at' => time(), 'requests' => $this->requests, 'errors' => $this->errors);
        $this->requests = 0;
        $this->errors = array();
        add_option(self::ROW_PREFIX . str_replace('-', '', wp_generate_uuid4()), wp_json_encode($row), '', 'no');
    }

    /**
     * Moves the queued rows into the client: each row is deleted first, and applied only
     * by the worker whose DELETE removed it, so two refreshes never count a row twice.
     */
    public function drain_into(TelemetryClient $client): int
    {
        global $wpdb;
        $names = $wpdb->get_col($wpdb->prepare(
            "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s ORDER BY option_id LIMIT %d",
            $wpdb->esc_like(self::ROW_PREFIX) . '%',
            self::DRAIN_ROWS
        ));
        $drained = 0;
        foreach ((array) $names as $name) {
            $text = $wpdb->get_var($wpdb->prepare(
                "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s",
                $name
            ));
            $deleted = $wpdb->delete($wpdb->options, array('option_name' => $name), array('%s'));
            wp_cache_delete($name, 'options');
            if ($deleted !== 1 || !is_string($text)) {
                continue; // another worker took it
            }
            $row = json_decode($text, true);
            if (!is_array($row)) {
                continue;
            }
            $errors = isset($row['errors']) && is_array($row['errors']) ? $row['errors'] : array();
            // When the request was handled, not when it is drained.
            $at = isset($row['at']) && is_int($row['at']) && $row['at'] > 0 ? $row['at'] * 1000 : null;
            // Each error was also counted as a request (requests_last_hour holds both): one write.
            $client->recordRequest(min(1000, max(0, (int) ($row['requests'] ?? 0))), $at);
            foreach ($errors as $error) {
                if (is_array($error) && isset($error['code']) && is_string($error['code'])) {
                    $message = isset($error['message']) && is_string($error['message']) && $error['message'] !== ''
                        ? $error['message'] : null;
                    // Queues the `error` event and counts it for errors_last_hour.
                    $client->recordError($error['code'], $message, $at);
                }
            }
            $drained++;
        }
        return $drained;
    }
}
