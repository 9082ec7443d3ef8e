<?php

/**
 * The adapter's one shared object: it loads the bundled core, builds the
 * TelemetryClient from the settings, and hands it to the small classes that each wire
 * one group of hooks (checkout, scheduler, admin settings, admin notices, privacy).
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

use PluginTelemetry\Core\AfterResponse;
use PluginTelemetry\Core\ClientProvider;
use PluginTelemetry\Core\TelemetryClient;

/**
 * Bootstrap and client factory.
 */
final class PTWC_Plugin
{
    /** The option that holds the installation id, created on activation. */
    public const INSTALLATION_OPTION = 'ptwc_installation_id';

    /** The option that holds the core's state (PTWC_Option_State_Store). */
    public const STATE_OPTION = 'ptwc_state';

    /** Every option and tally row of this plugin starts with this (uninstall removes them). */
    public const OPTION_PREFIX = 'ptwc_';

    /** Client options a site may change through the `ptwc_client_options` filter. */
    private const TUNABLE = array(
        'pollIntervalMs',
        'heartbeatIntervalMs',
        'backoffBaseMs',
        'backoffMaxMs',
        'requestTimeoutMs',
        'environment',
    );

    /** @var PTWC_Plugin|null */
    private static $instance = null;

    /** @var bool */
    private static $loaded = false;

    /** @var string|null why the core is not available, when it is not */
    private static $load_error = null;

    /** @var bool the plugin was uninstalled in this request: nothing more is read or written */
    private static $retired = false;

    /** @var PTWC_Settings */
    private $settings;

    /** @var PTWC_Tally */
    private $tally;

    /** @var PTWC_Logger */
    private $logger;

    /** @var ClientProvider the client of this request, built once from the settings */
    private $clients;

    /** @var AfterResponse work of this request that waits until the response is sent */
    private $after_response;

    /**
     * Loads the bundled core and the adapter's classes (also from uninstall.php).
     */
    public static function load_dependencies(): bool
    {
        if (self::$loaded) {
            return self::$load_error === null;
        }
        self::$loaded = true;
        $base = dirname(__DIR__);
        // A built zip carries the core in vendor-bundled/ (bin/build-zip); a checkout of
        // the repository finds it next door, in clients/php/core.
        $candidates = array(
            $base . '/vendor-bundled/plugin-telemetry-core/autoload.php',
            dirname($base) . '/core/autoload.php',
        );
        $autoload = null;
        foreach ($candidates as $candidate) {
            if (is_file($candidate)) {
                $autoload = $candidate;
                break;
            }
        }
        if (!class_exists('PluginTelemetry\\Core\\TelemetryClient')) {
            if ($autoload === null) {
                self::$load_error = 'the bundled PHP core is missing (build the plugin with bin/build-zip)';
                return false;
            }
            require_once $autoload;
        }
        $includes = __DIR__;
        require_once $includes . '/class-ptwc-settings.php';
        require_once $includes . '/class-ptwc-release.php';
        require_once $includes . '/class-ptwc-option-state-store.php';
        require_once $includes . '/class-ptwc-tally.php';
        require_once $includes . '/class-ptwc-logger.php';
        require_once $includes . '/class-ptwc-scheduler.php';
        require_once $includes . '/class-ptwc-checkout.php';
        require_once $includes . '/class-ptwc-compatibility.php';
        require_once $includes . '/class-ptwc-privacy.php';
        require_once $includes . '/class-ptwc-uninstaller.php';
        require_once $includes . '/admin/class-ptwc-admin-settings.php';
        require_once $includes . '/admin/class-ptwc-admin-notices.php';
        require_once $includes . '/admin/class-ptwc-plugins-page.php';
        require_once $includes . '/ptwc-functions.php';
        return true;
    }

    /**
     * Called once from the main plugin file: wires every hook group.
     */
    public static function boot(): void
    {
        if (!self::load_dependencies()) {
            add_action('admin_notices', array(__CLASS__, 'show_load_error'));
            return;
        }
        $plugin = self::instance();
        PTWC_Compatibility::register();
        (new PTWC_Scheduler($plugin))->register();
        (new PTWC_Checkout($plugin))->register();
        PTWC_Privacy::register();
        if (is_admin()) {
            (new PTWC_Admin_Settings($plugin))->register();
            (new PTWC_Admin_Notices($plugin))->register();
            (new PTWC_Plugins_Page())->register();
        }
    }

    public static function instance(): self
    {
        if (self::$instance === null) {
            self::$instance = new self();
        }
        return self::$instance;
    }

    /**
     * A fresh object (uninstall.php, multisite: one per site). Hooks are not wired.
     */
    public static function for_current_site(): self
    {
        return new self();
    }

    private function __construct()
    {
        $this->settings = new PTWC_Settings();
        $this->tally = new PTWC_Tally();
        $this->logger = new PTWC_Logger(array($this, 'debug_enabled'));
        $this->clients = new ClientProvider(
            function () {
                return $this->client_options();
            },
            null,
            $this->logger
        );
        $this->after_response = new AfterResponse('[' . PTWC_Logger::SOURCE . ']', $this->logger);
    }

    public function settings(): PTWC_Settings
    {
        return $this->settings;
    }

    public function tally(): PTWC_Tally
    {
        return $this->tally;
    }

    public function logger(): PTWC_Logger
    {
        return $this->logger;
    }

    public function after_response(): AfterResponse
    {
        return $this->after_response;
    }

    /**
     * The client, or null while the plugin is not configured (no API key, no pinned key
     * in this build, a wrong option). Built once per PHP request; never throws.
     */
    public function client(): ?TelemetryClient
    {
        return self::$retired ? null : $this->clients->create();
    }

    /**
     * The client's options from the settings, or why there are none (for the settings tab).
     *
     * @return array<string, mixed>|string
     */
    private function client_options()
    {
        $settings = $this->settings->all();
        $keys = PTWC_Release::pinned_keys();
        if ($keys === array()) {
            return __('This copy of the plugin pins no signing key: install a release built with bin/build-zip.', 'plugin-telemetry-woocommerce');
        }
        if ($settings['api_key'] === '') {
            return __('Enter the API key of your merchant account.', 'plugin-telemetry-woocommerce');
        }
        $options = array(
            'ingestUrl' => $settings['endpoint'],
            'apiKey' => $settings['api_key'],
            'pinnedKeys' => $keys,
            'pluginVersion' => PTWC_VERSION,
            'cms' => 'woocommerce',
            'cmsVersion' => substr((string) get_bloginfo('version'), 0, 64),
            'siteHost' => self::site_host(),
            'environment' => self::environment(),
            'store' => new PTWC_Option_State_Store(self::STATE_OPTION),
            'consent' => $settings['consent'],
            'installationId' => self::installation_id(),
            'logger' => $this->logger,
        );
        if ($settings['merchant_id'] !== '') {
            $options['merchantId'] = $settings['merchant_id'];
        }
        /**
         * Tunes the client: only the poll and heartbeat intervals (which can only be
         * shortened below what the server signs), the backoff, the request timeout (at
         * most 2 s) and the environment. Keys, URL and consent come from the settings.
         *
         * @param array $tuning empty by default
         */
        $tuning = apply_filters('ptwc_client_options', array());
        if (is_array($tuning)) {
            foreach (self::TUNABLE as $name) {
                if (array_key_exists($name, $tuning)) {
                    $options[$name] = $tuning[$name];
                }
            }
        }
        return $options;
    }

    /**
     * Uninstall ran in this request (the plugin's code may still be loaded, its files
     * already gone): no hook of this request may read settings or write state again.
     */
    public static function retire(): void
    {
        self::$retired = true;
    }

    public static function retired(): bool
    {
        return self::$retired;
    }

    /** Why there is no client, for the settings tab. */
    public function client_error(): ?string
    {
        return self::$retired ? null : $this->clients->problem();
    }

    /** Forgets the client (after the settings changed). */
    public function reset_client(): void
    {
        $this->clients->reset();
    }

    // ------------------------------------------------------------ the checkout path

    /** A verified, unexpired block_plugin: the gateway must not take payments. No network. */
    public function is_blocked(): bool
    {
        $client = $this->client();
        return $client !== null && $client->isBlocked();
    }

    /** A verified, unexpired enable_debug. No network. */
    public function debug_enabled(): bool
    {
        $client = $this->client();
        return $client !== null && $client->debugEnabled();
    }

    // ------------------------------------------------------------ lifecycle

    /**
     * Activation: the installation id (kept for the plugin's life), the refresh schedule
     * and, with consent (a re-activation), an `activation` event, queued: nothing is sent
     * here, the next scheduled refresh sends it.
     */
    public static function activate(): void
    {
        if (!self::load_dependencies()) {
            return;
        }
        self::installation_id();
        PTWC_Scheduler::schedule();
        $client = self::instance()->client();
        if ($client !== null) {
            $client->recordEvent('activation'); // nothing without consent
        }
    }

    /**
     * Deactivation: with consent, a `deactivation` event, sent now with the queue (at
     * most a few requests of 2 s, in the admin's action), as no refresh runs after this;
     * then the schedule is removed.
     */
    public static function deactivate(): void
    {
        if (!self::load_dependencies()) {
            return;
        }
        $client = self::instance()->client();
        if ($client !== null && $client->recordEvent('deactivation')) {
            $client->flush();
        }
        PTWC_Scheduler::unschedule();
    }

    /** This site's installation id: created once, in a non-autoloaded option. */
    public static function installation_id(): string
    {
        $id = get_option(self::INSTALLATION_OPTION, '');
        if (is_string($id) && preg_match('/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/', $id)) {
            return $id;
        }
        $id = wp_generate_uuid4();
        if (!add_option(self::INSTALLATION_OPTION, $id, '', 'no')) {
            update_option(self::INSTALLATION_OPTION, $id, 'no');
        }
        return $id;
    }

    public static function show_load_error(): void
    {
        if (!current_user_can('activate_plugins')) {
            return;
        }
        printf(
            '<div class="notice notice-error"><p>%s</p></div>',
            esc_html(sprintf(
                /* translators: %s: the reason */
                __('Plugin Telemetry for WooCommerce is inactive: %s.', 'plugin-telemetry-woocommerce'),
                (string) self::$load_error
            ))
        );
    }

    private static function site_host(): ?string
    {
        $host = wp_parse_url(home_url(), PHP_URL_HOST);
        return is_string($host) && $host !== '' ? substr($host, 0, 253) : null;
    }

    /** wp_get_environment_type() in the contract's words (local counts as development). */
    private static function environment(): string
    {
        $type = function_exists('wp_get_environment_type') ? wp_get_environment_type() : 'production';
        $known = array(
            'production' => 'production',
            'staging' => 'staging',
            'development' => 'development',
            'local' => 'development',
        );
        return isset($known[$type]) ? $known[$type] : 'production';
    }
}
