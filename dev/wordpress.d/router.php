<?php
/**
 * The php -S router of the test shop (dev/wordpress): what Apache's mod_dir and the
 * mod_rewrite rules of WordPress's .htaccess do. A file that exists is served (static) or
 * run (PHP) by php -S itself; a folder asked for without its trailing slash is redirected
 * to it; anything else goes to WordPress's front controller (pretty permalinks).
 */
$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if ($path === '' || $path[0] !== '/' || strpos($path, "\0") !== false || preg_match('#(^|/)\.\.(/|$)#', $path)) {
    http_response_code(400);
    return true;
}
$file = $root . $path;
if (is_dir($file)) {
    if (substr($path, -1) !== '/') {
        $query = parse_url($_SERVER['REQUEST_URI'], PHP_URL_QUERY);
        header('Location: ' . $path . '/' . ($query === null ? '' : '?' . $query), true, 301);
        return true;
    }
    if (is_file($file . 'index.php')) {
        return false; // php -S runs the folder's index.php (/, /wp-admin/)
    }
} elseif (is_file($file)) {
    return false;
}

$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir($root);
require $root . '/index.php';
