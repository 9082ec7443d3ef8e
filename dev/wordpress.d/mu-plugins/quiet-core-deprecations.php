<?php
/**
 * Plugin Name: Quiet core deprecations (dev/wordpress)
 * Description: WordPress 6.1 bundles Requests 1.8, whose classes raise PHP 8.1+ "Return type ... should be compatible" deprecations each time a process first makes an HTTP request (fixed upstream in WordPress 6.2 with Requests 2). They are dropped here so the debug log holds what plugins under test cause; every other error, including deprecations anywhere else, is logged as usual.
 */
set_error_handler(function ($errno, $message, $file) {
    return $errno === E_DEPRECATED && strpos($file, ABSPATH . WPINC . '/Requests/') === 0;
});
