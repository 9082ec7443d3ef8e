<?php
/**
 * The few WordPress functions the plugin calls, for php-cli tests. Options persist in
 * a JSON file (MOLAM_TEST_STATE) so test phases share state like a real site does;
 * HTTP goes through PHP streams to the live ingest.
 */

define('ABSPATH', __DIR__);

$GLOBALS['wp_options'] = is_file(getenv('MOLAM_TEST_STATE') ?: '/nonexistent')
    ? json_decode(file_get_contents(getenv('MOLAM_TEST_STATE')), true) : array();
$GLOBALS['wp_hooks'] = array();
$GLOBALS['wp_log'] = array();

function molam_test_save() {
    file_put_contents(getenv('MOLAM_TEST_STATE'), json_encode($GLOBALS['wp_options']));
}

class WP_Error {
    private $message;
    public function __construct($code = '', $message = '') { $this->message = $message; }
    public function get_error_message() { return $this->message; }
}

function get_option($name, $default = false) { return array_key_exists($name, $GLOBALS['wp_options']) ? $GLOBALS['wp_options'][$name] : $default; }
function update_option($name, $value) { $GLOBALS['wp_options'][$name] = $value; return true; }
function add_action($hook, $cb, $priority = 10, $args = 1) { $GLOBALS['wp_hooks'][$hook][] = $cb; return true; }
function add_filter($hook, $cb, $priority = 10, $args = 1) { return add_action($hook, $cb); }
function do_action($hook, ...$args) { foreach (isset($GLOBALS['wp_hooks'][$hook]) ? $GLOBALS['wp_hooks'][$hook] : array() as $cb) { $cb(...$args); } }
function apply_filters($hook, $value, ...$args) { foreach (isset($GLOBALS['wp_hooks'][$hook]) ? $GLOBALS['wp_hooks'][$hook] : array() as $cb) { $value = $cb($value, ...$args); } return $value; }
function register_activation_hook($file, $cb) { $GLOBALS['wp_hooks']['activate'][] = $cb; }
function register_deactivation_hook($file, $cb) { $GLOBALS['wp_hooks']['deactivate'][] = $cb; }
function wp_next_scheduled($hook) { return get_option('cron_' . $hook, false); }
function wp_schedule_event($ts, $recurrence, $hook) { return update_option('cron_' . $hook, $ts); }
function wp_clear_scheduled_hook($hook) { unset($GLOBALS['wp_options']['cron_' . $hook]); }
function wp_generate_uuid4() { $b = random_bytes(16); $b[6] = chr(ord($b[6]) & 0x0f | 0x40); $b[8] = chr(ord($b[8]) & 0x3f | 0x80); return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4)); }
function wp_json_encode($v) { return json_encode($v); }
function get_bloginfo($what) { return $what === 'version' ? '6.4.2' : ''; }
function home_url() { return 'https://shop.example/'; }
function wp_get_environment_type() { return 'production'; }
function is_wp_error($v) { return $v instanceof WP_Error; }
function __($s, $domain = '') { return $s; }
function esc_html($s) { return htmlspecialchars((string) $s, ENT_QUOTES); }
function esc_html__($s, $domain = '') { return esc_html($s); }
function esc_url($s) { return htmlspecialchars((string) $s, ENT_QUOTES); }

function wp_remote_request($url, $args, $method) {
    $headers = '';
    foreach (isset($args['headers']) ? $args['headers'] : array() as $k => $v) { $headers .= "$k: $v\r\n"; }
    $context = stream_context_create(array('http' => array(
        'method' => $method, 'header' => $headers, 'content' => isset($args['body']) ? $args['body'] : '',
        'timeout' => isset($args['timeout']) ? $args['timeout'] : 5, 'ignore_errors' => true,
    )));
    $body = @file_get_contents($url, false, $context);
    if ($body === false || !isset($http_response_header)) {
        return new WP_Error('http_request_failed', 'cannot reach ' . $url);
    }
    $code = 0;
    $response_headers = array();
    foreach ($http_response_header as $line) {
        if (preg_match('#^HTTP/\S+ (\d{3})#', $line, $m)) { $code = (int) $m[1]; }
        elseif (strpos($line, ':') !== false) { list($k, $v) = explode(':', $line, 2); $response_headers[strtolower(trim($k))] = trim($v); }
    }
    return array('response' => array('code' => $code), 'headers' => $response_headers, 'body' => $body);
}
function wp_remote_post($url, $args = array()) { return wp_remote_request($url, $args, 'POST'); }
function wp_remote_get($url, $args = array()) { return wp_remote_request($url, $args, 'GET'); }
function wp_remote_retrieve_response_code($r) { return is_array($r) ? $r['response']['code'] : ''; }
function wp_remote_retrieve_body($r) { return is_array($r) ? $r['body'] : ''; }
function wp_remote_retrieve_header($r, $name) { return is_array($r) && isset($r['headers'][strtolower($name)]) ? $r['headers'][strtolower($name)] : ''; }
