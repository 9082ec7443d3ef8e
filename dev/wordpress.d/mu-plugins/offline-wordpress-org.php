<?php
/**
 * Plugin Name: Offline WordPress.org (dev/wordpress)
 * Description: The test shop never leaves loopback (WP_HTTP_BLOCK_EXTERNAL), so api.wordpress.org's update checks are answered here with "no updates". WordPress then runs its whole update check as on a merchant's shop (the update_plugins transient is set, Update URI hosts are asked through update_plugins_{host}), without the "could not establish a secure connection" warnings that a blocked request writes to the debug log. Any other request to WordPress.org stays blocked.
 */
add_filter('pre_http_request', function ($response, $args, $url) {
    if (wp_parse_url($url, PHP_URL_HOST) !== 'api.wordpress.org') {
        return $response;
    }
    $answers = array(
        '/core/version-check/1.7/' => array('offers' => array(), 'translations' => array()),
        '/plugins/update-check/1.1/' => array('plugins' => array(), 'translations' => array(), 'no_update' => array()),
        '/themes/update-check/1.1/' => array('themes' => array(), 'translations' => array(), 'no_update' => array()),
    );
    $path = wp_parse_url($url, PHP_URL_PATH);
    if (!isset($answers[$path])) {
        return $response;
    }
    return array(
        'headers' => array('content-type' => 'application/json'),
        'body' => wp_json_encode($answers[$path]),
        'response' => array('code' => 200, 'message' => 'OK'),
        'cookies' => array(),
        'filename' => null,
    );
}, 10, 3);
