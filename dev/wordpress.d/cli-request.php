<?php
/**
 * Included before wp-load.php by the command-line entry points of dev/wordpress
 * (install.php, run.php). WordPress reads the request it serves (host for cookies and
 * redirects, method, remote address): code run from the command line sees a GET of the
 * site's home from 127.0.0.1. And wp_die(), which would print an HTML page and exit 0,
 * ends the run with its message on stderr and exit status 1 (0 for a 2xx response, as
 * wp_send_json() uses), so a failed database connection cannot pass for success.
 */
$pt_site = getenv('WP_SITE_DIR');
$pt_url = getenv('WP_URL');
if (!$pt_site || !$pt_url) {
    fwrite(STDERR, "run this through dev/wordpress (WP_SITE_DIR and WP_URL are not set)\n");
    exit(2);
}
$pt_parts = parse_url($pt_url);
$_SERVER['HTTP_HOST'] = $pt_parts['host'] . (isset($pt_parts['port']) ? ':' . $pt_parts['port'] : '');
$_SERVER['SERVER_NAME'] = $pt_parts['host'];
$_SERVER['SERVER_PORT'] = (string) ($pt_parts['port'] ?? 80);
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
unset($pt_parts);

function pt_cli_wp_die($message, $title = '', $args = array())
{
    if (function_exists('is_wp_error') && is_wp_error($message)) {
        $message = $message->get_error_message();
    }
    $status = is_array($args) && isset($args['response']) ? (int) $args['response'] : 500;
    $text = trim(html_entity_decode(strip_tags((string) $message)));
    if ($status >= 200 && $status < 300) {
        if ($text !== '') {
            echo $text, "\n";
        }
        exit(0);
    }
    fwrite(STDERR, 'wp_die: ' . ($text === '' ? "(no message, response $status)" : $text) . "\n");
    exit(1);
}

// Hooks set before WordPress loads (WP_Hook::build_preinitialized_hooks takes this shape).
foreach (array('wp_die_handler', 'wp_die_ajax_handler', 'wp_die_json_handler', 'wp_die_jsonp_handler',
    'wp_die_xmlrpc_handler', 'wp_die_xml_handler') as $pt_hook) {
    $GLOBALS['wp_filter'][$pt_hook][PHP_INT_MAX][] = array(
        'function' => function () { return 'pt_cli_wp_die'; },
        'accepted_args' => 1,
    );
}
unset($pt_hook);
