<?php
/**
 * Molam_Heartbeat: telemetry and ops toggles for the Molam Form WooCommerce gateway.
 *
 * - Hourly heartbeat through WP-Cron and the WordPress HTTP API, with short timeouts:
 *   it never runs in a shopper's request and never slows checkout.
 * - Counts payment successes and errors (hooks), queues typed events with idempotency ids.
 * - Sends environment and server facts, never personal data (no customer, order or
 *   admin data, no IP addresses).
 * - Honours Retry-After on 429/503: no request before that time.
 * - Acts only on toggles whose Ed25519 signature verifies against the published keys;
 *   a payload that fails is ignored (the previous toggles stay) and reported.
 *
 * @package Molam_Form
 */

if (!defined('ABSPATH')) {
    exit;
}

class Molam_Heartbeat {

    const PLUGIN_VERSION = '1.3.5';
    const CRON_HOOK = 'molam_send_heartbeat';
    const TIMEOUT = 3;
    const MAX_QUEUED_EVENTS = 100;

    /** @var string */
    private $api_base;

    public function __construct($api_base = null) {
        $this->api_base = rtrim($api_base ?: get_option('molam_api_base', 'https://api.molam.com'), '/');
        add_action(self::CRON_HOOK, array($this, 'send_heartbeat'));
        add_action('molam_payment_error', array($this, 'track_error'));
        add_action('molam_payment_success', array($this, 'track_success'));
        if (!wp_next_scheduled(self::CRON_HOOK)) {
            wp_schedule_event(time(), 'hourly', self::CRON_HOOK);
        }
    }

    /** On activation: a stable installation id, created once. */
    public static function installation_id() {
        $id = get_option('molam_installation_id');
        if (!$id) {
            $id = wp_generate_uuid4();
            update_option('molam_installation_id', $id);
        }
        return $id;
    }

    public function track_success() {
        $this->bump('requests');
    }

    public function track_error($code = 'unknown') {
        $code = substr(preg_replace('/[^a-z0-9_.-]/i', '', (string) $code), 0, 128) ?: 'unknown';
        $this->bump('requests');
        $this->bump('errors');
        update_option('molam_last_error_code', $code);
        $this->queue_event(array('type' => 'error', 'error_code' => $code));
    }

    public function queue_event(array $event) {
        $queue = get_option('molam_event_queue', array());
        $event['event_id'] = wp_generate_uuid4();
        $event['cms'] = 'woocommerce';
        $event['installation_id'] = self::installation_id();
        $event['plugin_version'] = self::PLUGIN_VERSION;
        $event['occurred_at'] = gmdate('c');
        $queue[] = $event;
        update_option('molam_event_queue', array_slice($queue, -self::MAX_QUEUED_EVENTS));
    }

    private function bump($counter) {
        $counters = get_option('molam_counters', array('requests' => 0, 'errors' => 0));
        $counters[$counter] = (isset($counters[$counter]) ? $counters[$counter] : 0) + 1;
        update_option('molam_counters', $counters);
    }

    /** True while the server asked us to wait (Retry-After). */
    public function backing_off() {
        return time() < (int) get_option('molam_retry_after_until', 0);
    }

    public function send_heartbeat() {
        if ($this->backing_off()) {
            $this->debug('heartbeat skipped: backing off');
            return false;
        }
        $counters = get_option('molam_counters', array('requests' => 0, 'errors' => 0));
        $body = array(
            'installation_id' => self::installation_id(),
            'merchant_id' => get_option('molam_merchant_id'),
            'cms' => 'woocommerce',
            'cms_version' => get_bloginfo('version'),
            'plugin_version' => self::PLUGIN_VERSION,
            'sdk_language' => 'php',
            'runtime_version' => PHP_VERSION,
            'site_host' => (string) parse_url(home_url(), PHP_URL_HOST),
            'environment' => wp_get_environment_type(),
            'requests_last_hour' => (int) $counters['requests'],
            'errors_last_hour' => (int) $counters['errors'],
            'last_error_code' => get_option('molam_last_error_code', ''),
            'server_info' => $this->server_info(),
            'sent_at' => gmdate('c'),
        );
        $response = wp_remote_post($this->api_base . '/api/v1/plugins/heartbeat', array(
            'timeout' => self::TIMEOUT,
            'headers' => $this->headers(),
            'body' => wp_json_encode($body),
        ));
        if (!$this->accepted($response)) {
            return false;
        }
        update_option('molam_counters', array('requests' => 0, 'errors' => 0));
        $answer = json_decode(wp_remote_retrieve_body($response), true);
        if (is_array($answer)) {
            $this->process_answer($answer);
        }
        $this->send_events();
        return true;
    }

    /** Sends queued events in one batch; kept for the next run if not accepted. */
    public function send_events() {
        $queue = get_option('molam_event_queue', array());
        if (!$queue || $this->backing_off()) {
            return false;
        }
        $response = wp_remote_post($this->api_base . '/api/v1/plugins/event', array(
            'timeout' => self::TIMEOUT,
            'headers' => $this->headers(),
            'body' => wp_json_encode(array('events' => array_values($queue))),
        ));
        if ($this->accepted($response)) {
            update_option('molam_event_queue', array());
            return true;
        }
        return false;
    }

    /** 202 → true. 429/503 → remember Retry-After. Anything else → false. */
    public function accepted($response) {
        if (is_wp_error($response)) {
            $this->debug('telemetry request failed: ' . $response->get_error_message());
            return false;
        }
        $code = (int) wp_remote_retrieve_response_code($response);
        if ($code === 202) {
            return true;
        }
        if ($code === 429 || $code === 503) {
            $retry = (int) wp_remote_retrieve_header($response, 'retry-after');
            update_option('molam_retry_after_until', time() + max(1, min($retry ?: 60, 86400)));
        }
        $this->debug('telemetry refused with HTTP ' . $code);
        return false;
    }

    /** Applies a heartbeat answer: signed toggles (verified), upgrade advice. */
    public function process_answer(array $answer) {
        update_option('molam_upgrade', isset($answer['upgrade']) ? $answer['upgrade'] : null);
        $signed = isset($answer['signed_toggles']) ? $answer['signed_toggles'] : null;
        $toggles = $this->verified_toggles($signed);
        if ($toggles === null) {
            $this->queue_event(array('type' => 'error', 'error_code' => 'toggle_signature_invalid'));
            return false;
        }
        $previous = get_option('molam_toggles', array());
        update_option('molam_toggles', $toggles);
        foreach ($toggles as $key => $value) {
            if (!array_key_exists($key, $previous) || $previous[$key] !== $value) {
                $this->queue_event(array('type' => 'toggle_applied', 'toggle_key' => $key));
            }
        }
        return true;
    }

    /** The toggles of a signed payload, or null when it does not verify or has expired. */
    public function verified_toggles($signed) {
        if (!is_array($signed) || empty($signed['payload']) || empty($signed['signature']) || empty($signed['key_id'])) {
            return null;
        }
        $public_key = $this->public_key($signed['key_id']);
        $signature = base64_decode($signed['signature'], true);
        if ($public_key === null || $signature === false || strlen($signature) !== SODIUM_CRYPTO_SIGN_BYTES) {
            return null;
        }
        if (!sodium_crypto_sign_verify_detached($signature, $signed['payload'], $public_key)) {
            return null;
        }
        $payload = json_decode($signed['payload'], true);
        if (!is_array($payload) || !isset($payload['toggles'], $payload['expires_at'], $payload['installation_id'])) {
            return null;
        }
        if ($payload['installation_id'] !== self::installation_id() || strtotime($payload['expires_at']) < time()) {
            return null;
        }
        update_option('molam_toggles_expire_at', strtotime($payload['expires_at']));
        $expiries = array();
        foreach ((isset($payload['toggle_expires_at']) ? $payload['toggle_expires_at'] : array()) as $key => $at) {
            $expiries[$key] = $at === null ? null : strtotime($at);
        }
        update_option('molam_toggle_expiries', $expiries);
        return (array) $payload['toggles'];
    }

    /** The public key of a key id, from a cached list refreshed on an unknown id. */
    private function public_key($key_id) {
        foreach (array(false, true) as $refresh) {
            $keys = get_option('molam_signing_keys', array());
            if ($refresh || !$keys) {
                $response = wp_remote_get($this->api_base . '/api/v1/plugins/signing-keys', array('timeout' => self::TIMEOUT));
                if (!is_wp_error($response) && (int) wp_remote_retrieve_response_code($response) === 200) {
                    $list = json_decode(wp_remote_retrieve_body($response), true);
                    $keys = array();
                    foreach ((isset($list['keys']) ? $list['keys'] : array()) as $k) {
                        $keys[$k['key_id']] = $k['public_key'];
                    }
                    update_option('molam_signing_keys', $keys);
                }
            }
            if (isset($keys[$key_id])) {
                $key = base64_decode($keys[$key_id], true);
                return ($key !== false && strlen($key) === SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES) ? $key : null;
            }
        }
        return null;
    }

    /** A toggle's value while both the signed payload and the toggle itself are valid. */
    public function toggle($key) {
        $toggles = get_option('molam_toggles', array());
        if ((int) get_option('molam_toggles_expire_at', 0) < time()) {
            return null; // a stale signed payload is not acted on
        }
        $expiries = get_option('molam_toggle_expiries', array());
        if (isset($expiries[$key]) && $expiries[$key] < time()) {
            return null; // e.g. enable_debug ends at its expiry, not at the next heartbeat
        }
        return array_key_exists($key, $toggles) ? $toggles[$key] : null;
    }

    public function is_blocked() {
        return $this->toggle('block_plugin') === true;
    }

    public function must_update() {
        return $this->toggle('force_update') === true;
    }

    public function debug_enabled() {
        return $this->toggle('enable_debug') === true;
    }

    public function debug($message) {
        if ($this->debug_enabled()) {
            error_log('[molam] ' . $message);
        }
    }

    private function headers() {
        return array(
            'Authorization' => 'Bearer ' . get_option('molam_api_key'),
            'Content-Type' => 'application/json',
        );
    }

    /** Facts about the server that help support; nothing about people. */
    private function server_info() {
        $software = isset($_SERVER['SERVER_SOFTWARE']) ? (string) $_SERVER['SERVER_SOFTWARE'] : 'cli';
        return array(
            'server_software' => substr(preg_replace('/[^\x20-\x7e]/', '', $software), 0, 100),
            'memory_limit' => (string) ini_get('memory_limit'),
            'max_execution_time' => (string) ini_get('max_execution_time'),
        );
    }
}
