<?php
/**
 * The WooCommerce client against the live ingest, in phases sharing one site state
 * (MOLAM_TEST_STATE). Driven by e2e/tests/woocommerce_client.rs, which sets toggles
 * between phases. Prints "N passed, N failed"; exits 1 on any failure.
 *
 *   php run.php activate   activation, traffic, first heartbeat; prints INSTALLATION <id>
 *   php run.php toggles    heartbeat; block_plugin, force_update, enable_debug take effect
 *   php run.php tamper     a tampered signed payload is ignored and reported
 *   php run.php backoff    503 + Retry-After: no request until the time has passed
 */

require __DIR__ . '/wp-shim.php';
update_option('molam_api_base', getenv('INGEST_URL'));
update_option('molam_api_key', getenv('MOLAM_API_KEY'));
update_option('molam_merchant_id', getenv('MOLAM_MERCHANT_ID'));
require __DIR__ . '/../molam-form.php';

$passed = 0;
$failed = 0;
function check($what, $ok) {
    global $passed, $failed;
    if ($ok) { $passed++; } else { $failed++; fwrite(STDERR, "FAIL: $what\n"); }
}

do_action('plugins_loaded');
$heartbeat = molam_heartbeat();

switch (isset($argv[1]) ? $argv[1] : '') {
    case 'activate':
        do_action('activate');
        check('installation id created', (bool) preg_match('/^[0-9a-f-]{36}$/', Molam_Heartbeat::installation_id()));
        check('hourly heartbeat scheduled', wp_next_scheduled(Molam_Heartbeat::CRON_HOOK) !== false);
        do_action('molam_payment_success');
        do_action('molam_payment_success');
        do_action('molam_payment_error', 'card_declined');
        check('heartbeat accepted', $heartbeat->send_heartbeat() === true);
        check('counters reset', get_option('molam_counters') === array('requests' => 0, 'errors' => 0));
        check('events (activation, error) sent', get_option('molam_event_queue') === array());
        check('no toggle yet', $heartbeat->is_blocked() === false);
        echo 'INSTALLATION ' . Molam_Heartbeat::installation_id() . "\n";
        break;

    case 'toggles':
        check('heartbeat accepted', $heartbeat->send_heartbeat() === true);
        check('block_plugin applied', $heartbeat->is_blocked());
        $gateways = apply_filters('woocommerce_available_payment_gateways', array('molam' => 1, 'cod' => 1));
        check('gateway removed from checkout', !isset($gateways['molam']) && isset($gateways['cod']));
        ob_start();
        do_action('admin_notices');
        $notices = ob_get_clean();
        check('blocked admin notice', strpos($notices, 'temporarily disabled') !== false);
        check('mandatory update notice', $heartbeat->must_update() && strpos($notices, 'mandatory') !== false);
        check('debug logging on', $heartbeat->debug_enabled());
        $expiries = get_option('molam_toggle_expiries');
        check('debug ends at its own expiry', isset($expiries['enable_debug']) && $expiries['enable_debug'] > time());
        $expiries['enable_debug'] = time() - 1;
        update_option('molam_toggle_expiries', $expiries);
        check('debug off once expired', !$heartbeat->debug_enabled() && $heartbeat->is_blocked());
        break;

    case 'tamper':
        $before = get_option('molam_toggles');
        $response = wp_remote_post(getenv('INGEST_URL') . '/api/v1/plugins/heartbeat', array(
            'headers' => array('Authorization' => 'Bearer ' . getenv('MOLAM_API_KEY'), 'Content-Type' => 'application/json'),
            'body' => json_encode(array('installation_id' => Molam_Heartbeat::installation_id(), 'cms' => 'woocommerce', 'plugin_version' => '1.3.5')),
        ));
        $answer = json_decode(wp_remote_retrieve_body($response), true);
        check('genuine answer verifies', $heartbeat->verified_toggles($answer['signed_toggles']) !== null);
        $answer['signed_toggles']['payload'] = str_replace('true', 'false', $answer['signed_toggles']['payload']);
        update_option('molam_event_queue', array());
        check('tampered answer rejected', $heartbeat->process_answer($answer) === false);
        check('previous toggles kept', get_option('molam_toggles') === $before);
        $queue = get_option('molam_event_queue');
        check('rejection reported', count($queue) === 1 && $queue[0]['error_code'] === 'toggle_signature_invalid');
        check('report delivered', $heartbeat->send_events() === true);
        break;

    case 'backoff':
        $fake = array('response' => array('code' => 503), 'headers' => array('retry-after' => '120'), 'body' => '{}');
        check('503 is not accepted', $heartbeat->accepted($fake) === false);
        check('backing off', $heartbeat->backing_off());
        check('no heartbeat while backing off', $heartbeat->send_heartbeat() === false);
        $wait = (int) get_option('molam_retry_after_until') - time();
        check('Retry-After honoured', $wait > 100 && $wait <= 120);
        update_option('molam_retry_after_until', 0);
        check('heartbeat after the wait', $heartbeat->send_heartbeat() === true);
        break;

    default:
        fwrite(STDERR, "usage: php run.php activate|toggles|tamper|backoff\n");
        exit(2);
}

molam_test_save();
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
