<?php

/**
 * Plugin Name: WooCommerce (test shim)
 * Description: ONLY FOR TESTS (clients/php/woocommerce/tests). The part of WooCommerce that Plugin Telemetry for WooCommerce touches, with WooCommerce's own names, hooks and order of hooks: woocommerce_loaded, before_woocommerce_init (FeaturesUtil), woocommerce_init, the manage_woocommerce capability, the WooCommerce > Settings page with its tabs, its `woocommerce-settings` nonce and its save hooks, WC_Order / wc_create_order() / wc_get_order(), WC_Payment_Gateway, wc_get_logger(), and woocommerce_available_payment_gateways on a checkout endpoint (/?wcshim=checkout). WooCommerce itself is not packaged for Debian; this is not it.
 * Version: 8.5.0-shim
 *
 * @package WCShim
 */

defined('ABSPATH') || exit;

define('WC_VERSION', '8.5.0');
define('WC_PLUGIN_FILE', __FILE__);

require_once __DIR__ . '/class-features-util.php';

/**
 * WooCommerce's main object: woocommerce_loaded when its file loads, then on `init`
 * (priority 0) before_woocommerce_init and woocommerce_init, as WooCommerce::init() does.
 */
final class WooCommerce
{
    /** @var string */
    public $version = WC_VERSION;

    /** @var WooCommerce|null */
    private static $instance = null;

    public static function instance()
    {
        if (self::$instance === null) {
            self::$instance = new self();
        }
        return self::$instance;
    }

    private function __construct()
    {
        add_action('init', array($this, 'init'), 0);
        do_action('woocommerce_loaded');
    }

    public function init()
    {
        do_action('before_woocommerce_init');
        do_action('woocommerce_init');
    }

    /** The gateways WooCommerce would offer before filtering: the platform's and cash on delivery. */
    public function available_payment_gateways()
    {
        $gateways = array();
        foreach (array('molam' => 'Molam', 'cod' => 'Cash on delivery') as $id => $title) {
            $gateway = new WC_Payment_Gateway();
            $gateway->id = $id;
            $gateway->title = $title;
            $gateways[$id] = $gateway;
        }
        return apply_filters('woocommerce_available_payment_gateways', $gateways);
    }
}

function WC() // phpcs:ignore -- WooCommerce's own name
{
    return WooCommerce::instance();
}

class WC_Payment_Gateway
{
    /** @var string */
    public $id = '';
    /** @var string */
    public $title = '';
    /** @var string */
    public $enabled = 'yes';
}

/** An order, in memory (the tests fire the order hooks in the same process). */
class WC_Order
{
    /** @var int */
    private static $next = 1000;
    /** @var int */
    private $id;
    /** @var string */
    private $payment_method = '';
    /** @var string */
    private $status = 'pending';

    public function __construct()
    {
        $this->id = self::$next++;
        $GLOBALS['wcshim_orders'][$this->id] = $this;
    }

    public function get_id()
    {
        return $this->id;
    }

    public function set_payment_method($method)
    {
        $this->payment_method = (string) $method;
    }

    public function get_payment_method()
    {
        return $this->payment_method;
    }

    public function get_status()
    {
        return $this->status;
    }

    /** WooCommerce's update_status() fires woocommerce_order_status_{new} with ($id, $order). */
    public function update_status($status)
    {
        $this->status = (string) $status;
        do_action('woocommerce_order_status_' . $this->status, $this->id, $this);
    }

    /** WooCommerce's payment_complete() fires woocommerce_payment_complete with ($id, $transaction_id). */
    public function payment_complete($transaction_id = '')
    {
        $this->status = 'processing';
        do_action('woocommerce_payment_complete', $this->id, $transaction_id);
        return true;
    }
}

function wc_create_order($args = array())
{
    return new WC_Order();
}

function wc_get_order($order_id = false)
{
    if (is_object($order_id)) {
        return $order_id;
    }
    return isset($GLOBALS['wcshim_orders'][(int) $order_id]) ? $GLOBALS['wcshim_orders'][(int) $order_id] : false;
}

/** WC_Logger's surface: one file per source under uploads/wc-logs/. */
class WC_Logger
{
    public function log($level, $message, $context = array())
    {
        $source = isset($context['source']) ? sanitize_file_name($context['source']) : 'log';
        $dir = wp_upload_dir()['basedir'] . '/wc-logs';
        wp_mkdir_p($dir);
        file_put_contents($dir . '/' . $source . '.log', gmdate('c') . ' ' . strtoupper($level) . ' ' . $message . "\n", FILE_APPEND | LOCK_EX);
    }

    public function debug($message, $context = array())
    {
        $this->log('debug', $message, $context);
    }

    public function warning($message, $context = array())
    {
        $this->log('warning', $message, $context);
    }

    public function error($message, $context = array())
    {
        $this->log('error', $message, $context);
    }
}

function wc_get_logger()
{
    static $logger = null;
    if ($logger === null) {
        $logger = new WC_Logger();
    }
    return $logger;
}

/** WC_Admin_Settings' messages. */
class WC_Admin_Settings
{
    /** @var list<string> */
    public static $messages = array();
    /** @var list<string> */
    public static $errors = array();

    public static function add_message($text)
    {
        self::$messages[] = $text;
    }

    public static function add_error($text)
    {
        self::$errors[] = $text;
    }

    public static function show_messages()
    {
        foreach (self::$errors as $e) {
            echo '<div id="message" class="error inline"><p><strong>' . esc_html($e) . '</strong></p></div>';
        }
        foreach (self::$messages as $m) {
            echo '<div id="message" class="updated inline"><p><strong>' . esc_html($m) . '</strong></p></div>';
        }
    }
}

/** WooCommerce's settings page: the menu, the tabs, the form and its save (WC_Admin_Menus). */
final class WCShim_Settings_Page
{
    public static function current_tab()
    {
        return isset($_GET['tab']) ? sanitize_title(wp_unslash($_GET['tab'])) : 'general';
    }

    public static function menu()
    {
        add_menu_page('WooCommerce', 'WooCommerce', 'manage_woocommerce', 'woocommerce', '__return_null', 'dashicons-cart', 55);
        add_submenu_page('woocommerce', 'WooCommerce settings', 'Settings', 'manage_woocommerce', 'wc-settings', array(__CLASS__, 'output'));
    }

    /** WC_Admin_Menus::save_settings on wp_loaded, then WC_Admin_Settings::save(). */
    public static function save()
    {
        if (!is_admin() || !isset($_GET['page']) || $_GET['page'] !== 'wc-settings' || empty($_POST['save'])) {
            return;
        }
        check_admin_referer('woocommerce-settings');
        $tab = self::current_tab();
        do_action('woocommerce_settings_save_' . $tab);
        do_action('woocommerce_update_options_' . $tab);
        do_action('woocommerce_update_options');
        WC_Admin_Settings::add_message('Your settings have been saved.');
    }

    public static function output()
    {
        $tabs = apply_filters('woocommerce_settings_tabs_array', array('general' => 'General'));
        $tab = self::current_tab();
        echo '<div class="wrap woocommerce"><form method="post" id="mainform" action="" enctype="multipart/form-data"><nav class="nav-tab-wrapper woo-nav-tab-wrapper">';
        foreach ($tabs as $slug => $label) {
            echo '<a href="' . esc_url(admin_url('admin.php?page=wc-settings&tab=' . $slug)) . '" class="nav-tab' . ($slug === $tab ? ' nav-tab-active' : '') . '">' . esc_html($label) . '</a>';
        }
        echo '</nav>';
        WC_Admin_Settings::show_messages();
        do_action('woocommerce_settings_' . $tab);
        do_action('woocommerce_settings_tabs_' . $tab);
        echo '<p class="submit"><button name="save" class="button-primary woocommerce-save-button" type="submit" value="Save changes">Save changes</button>';
        wp_nonce_field('woocommerce-settings');
        echo '</p></form></div>';
    }
}

add_action('admin_menu', array('WCShim_Settings_Page', 'menu'));
add_action('wp_loaded', array('WCShim_Settings_Page', 'save'));

/** The checkout's gateway list, as JSON: /?wcshim=checkout (a shopper's request). */
add_action('template_redirect', function () {
    if (isset($_GET['wcshim']) && $_GET['wcshim'] === 'checkout') {
        wp_send_json(array('gateways' => array_keys(WC()->available_payment_gateways())));
    }
});

/** WooCommerce gives administrators (and shop managers) manage_woocommerce on install. */
register_activation_hook(__FILE__, function () {
    $role = get_role('administrator');
    if ($role) {
        $role->add_cap('manage_woocommerce');
    }
});
register_deactivation_hook(__FILE__, function () {
    $role = get_role('administrator');
    if ($role) {
        $role->remove_cap('manage_woocommerce');
    }
});

WooCommerce::instance();
