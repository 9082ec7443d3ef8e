<?php

/**
 * The payments platform's PrestaShop module, with plugin telemetry wired in: the
 * skeleton of PrestaShop/paymentexample (a PaymentModule registering its hooks and
 * Configuration values on install, removing them on uninstall; `upgrade/` for version
 * migrations; a `getContent()` configuration page) over the shared PHP core
 * (PluginTelemetry\Core, bundled in vendor/ by ../build.php).
 *
 * What each hook does, and the one rule they keep: nothing telemetry does ever runs
 * inside a shopper's request. The checkout reads the last verified state (a file read,
 * no network, no write); what must be written (a payment failure, an order count) or
 * sent (heartbeat, config poll, events) waits until the response is sent
 * (the core's AfterResponse, one queue per request: afterResponse()), or runs from the
 * cron controller.
 *
 * PrestaShop requires the module class in the global namespace, in a file that starts
 * with the `_PS_VERSION_` guard: hence the two sniffs disabled below.
 */

// phpcs:disable PSR1.Files.SideEffects
// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace

use PluginTelemetry\Core\AfterResponse;
use PluginTelemetry\PrestaShop\BackOfficeNotices;
use PluginTelemetry\PrestaShop\ClientFactory;
use PluginTelemetry\PrestaShop\ConfigurationPage;
use PluginTelemetry\PrestaShop\ModuleStateStore;
use PluginTelemetry\PrestaShop\Settings;
use PrestaShop\PrestaShop\Core\Payment\PaymentOption;

if (!defined('_PS_VERSION_')) {
    exit;
}

require_once __DIR__ . '/autoload.php';

class PluginTelemetry extends PaymentModule
{
    public const VERSION = '1.1.0';

    /** Every hook the module needs; install registers them, uninstall removes them. */
    public const HOOKS = [
        'paymentOptions',
        'actionValidateOrder',
        'actionOrderStatusUpdate',
        'displayBackOfficeHeader',
        'displayDashboardTop',
        'actionCronJob',
    ];

    /** The error code a payment failure is reported with. */
    public const PAYMENT_FAILED = 'payment_failed';

    /** What a failed after-response task's line in PHP's error log starts with. */
    public const LOG_PREFIX = '[plugintelemetry]';

    private static ?AfterResponse $afterResponse = null;
    private ?Settings $settings = null;
    private ?ClientFactory $factory = null;

    public function __construct()
    {
        $this->name = 'plugintelemetry';
        $this->tab = 'payments_gateways';
        $this->version = self::VERSION;
        $this->author = 'Plugin Telemetry';
        $this->need_instance = 0;
        $this->currencies = true;
        $this->currencies_mode = 'checkbox';
        // PHP >= 7.4 (the core's typed properties): PrestaShop 1.7.8 is the first to run on it.
        $this->ps_versions_compliancy = ['min' => '1.7.8.0', 'max' => _PS_VERSION_];
        $this->controllers = ['cron'];
        $this->bootstrap = true;

        parent::__construct();

        $this->displayName = $this->l('Platform payments');
        $this->description = $this->l('Card payments, with opt-in telemetry and Ops safety switches.');
        $this->confirmUninstall = $this->l('Uninstall? Telemetry stops and its settings are deleted.');
    }

    public function install()
    {
        return (bool) parent::install()
            && (bool) $this->registerHook(static::HOOKS)
            && $this->settings()->installDefaults()
            && $this->stateStore()->protectDirectory();
    }

    /**
     * Unhooks the module (parent), tells ingest it was uninstalled (when the merchant
     * consented; at most a few requests of 2 s), then removes its Configuration values
     * and its state. The uninstall goes on when ingest cannot be reached.
     */
    public function uninstall()
    {
        if (!parent::uninstall()) {
            return false;
        }
        $client = $this->telemetryFactory()->create();
        if ($client !== null && $client->hasConsent()) {
            $client->uninstalled();
        }
        $this->stateStore()->clear();
        return $this->settings()->delete();
    }

    /** The configuration page (Modules > Configure): settings, consent, notice dismissal. */
    public function getContent()
    {
        $page = new ConfigurationPage($this, $this->settings(), $this->telemetryFactory(), self::afterResponse());
        return $page->handle() . $page->render();
    }

    // ------------------------------------------------------------------ the shopper's side

    /**
     * The payment option, unless Ops blocked this plugin (`block_plugin`). Reads only the
     * last verified state on disk: no request, no write, whatever ingest is doing.
     *
     * @param array<string, mixed> $params
     * @return PaymentOption[]
     */
    public function hookPaymentOptions(array $params)
    {
        if (!$this->active) {
            return [];
        }
        $client = $this->telemetryFactory()->forCheckout();
        if ($client !== null && $client->isBlocked()) {
            return []; // the shop's other payment modules stay
        }
        $option = new PaymentOption();
        $option->setModuleName($this->name);
        $option->setCallToActionText($this->l('Pay by card'));
        $option->setAction($this->context->link->getModuleLink($this->name, 'validation', [], true));
        return [$option];
    }

    /**
     * An order paid with this module: counted for the heartbeat's `requests_last_hour`,
     * after the response.
     *
     * @param array<string, mixed> $params cart, order, customer, currency, orderStatus
     */
    public function hookActionValidateOrder(array $params)
    {
        $order = $params['order'] ?? null;
        if (!is_object($order) || ($order->module ?? null) !== $this->name) {
            return;
        }
        $factory = $this->telemetryFactory();
        self::afterResponse()->defer(static function () use ($factory): void {
            $client = $factory->create();
            if ($client !== null) {
                $client->recordRequest();
            }
        });
    }

    /**
     * An order of this module moved to PrestaShop's "Payment error" state: an `error`
     * event `payment_failed`, queued after the response and sent by the next refresh.
     * (validateOrder() with the error state passes through here too.)
     *
     * @param array<string, mixed> $params newOrderStatus, oldOrderStatus, id_order
     */
    public function hookActionOrderStatusUpdate(array $params)
    {
        $state = $params['newOrderStatus'] ?? null;
        if (!is_object($state) || (int) $state->id !== (int) Configuration::get('PS_OS_ERROR')) {
            return;
        }
        $order = new Order((int) ($params['id_order'] ?? 0));
        if (!Validate::isLoadedObject($order) || $order->module !== $this->name) {
            return;
        }
        $factory = $this->telemetryFactory();
        $message = 'order ' . (int) $order->id . ' moved to the payment error state';
        self::afterResponse()->defer(static function () use ($factory, $message): void {
            $client = $factory->create();
            if ($client !== null) {
                $client->recordError(self::PAYMENT_FAILED, $message);
            }
        });
    }

    // ------------------------------------------------------------------- the back office

    /** Every back-office page: refresh telemetry when due, after the response is sent. */
    public function hookDisplayBackOfficeHeader(array $params = [])
    {
        $factory = $this->telemetryFactory();
        self::afterResponse()->defer(static function () use ($factory): void {
            $client = $factory->create();
            if ($client !== null && $client->hasConsent()) {
                $client->refreshIfDue();
            }
        });
        return '';
    }

    /**
     * A forced update, upgrade advice and Ops' in-app notices, at the top of every
     * back-office page, for employees who may configure the module; each notice has a
     * dismiss link (which acknowledges it to ingest).
     */
    public function hookDisplayDashboardTop(array $params = [])
    {
        if (!$this->getPermission('configure')) {
            return '';
        }
        $client = $this->telemetryFactory()->create();
        if ($client === null) {
            return '';
        }
        $link = $this->context->link;
        $name = $this->name;
        return (new BackOfficeNotices($this->displayName))->render(
            $client,
            static function (string $noticeId) use ($link, $name): string {
                return $link->getAdminLink('AdminModules', true, [], [
                    'configure' => $name,
                    ConfigurationPage::DISMISS_PARAM => $noticeId,
                ]);
            }
        );
    }

    // ------------------------------------------------------------------------ the cron

    /** For the `cronjobs` module: how often to call hookActionCronJob (every hour, its finest). */
    public function getCronFrequency()
    {
        return ['hour' => -1, 'day' => -1, 'month' => -1, 'day_of_week' => -1];
    }

    /** Called by the `cronjobs` module, in its own request. */
    public function hookActionCronJob(array $params = [])
    {
        $this->refreshTelemetry();
    }

    /**
     * What is due (heartbeat, config poll, queued events): the cron controller
     * (controllers/front/cron.php) and the cronjobs module call this.
     *
     * @return array<string, mixed>
     */
    public function refreshTelemetry(): array
    {
        $client = $this->telemetryFactory()->create();
        if ($client === null) {
            return ['ok' => false, 'reason' => 'not_configured', 'problem' => $this->telemetryFactory()->problem()];
        }
        return $client->refreshIfDue()->toArray();
    }

    public function cronTokenMatches(string $token): bool
    {
        $expected = $this->settings()->cronToken();
        return $expected !== '' && hash_equals($expected, $token);
    }

    // --------------------------------------------------------------------- the wiring

    /**
     * The work of this request that waits until the response is sent (one queue per PHP
     * request, whichever module instance defers to it).
     */
    public static function afterResponse(): AfterResponse
    {
        if (self::$afterResponse === null) {
            self::$afterResponse = new AfterResponse(self::LOG_PREFIX);
        }
        return self::$afterResponse;
    }

    public function settings(): Settings
    {
        if ($this->settings === null) {
            $this->settings = new Settings();
        }
        return $this->settings;
    }

    public function stateStore(): ModuleStateStore
    {
        return $this->telemetryFactory()->store();
    }

    /** Builds the core's client from the settings; one client per PHP request. */
    public function telemetryFactory(): ClientFactory
    {
        if ($this->factory === null) {
            $this->factory = new ClientFactory(
                $this->settings(),
                ModuleStateStore::inModule($this->getLocalPath()),
                $this->version,
                require __DIR__ . '/pinned_keys.php'
            );
        }
        return $this->factory;
    }
}
