<?php

/**
 * When the core talks to ingest: from WP-Cron every minute (`ptwc_refresh`, a named
 * callback on a schedule of its own), and after the response of any request once the
 * server's poll interval has passed (`shutdown`, after fastcgi_finish_request() where
 * the server has it: the core's AfterResponse). Both call TelemetryClient::refreshIfDue(), which sends a
 * heartbeat when the server's next_heartbeat_in_secs has come, else a config poll, then
 * the queued events, and returns at once when nothing is due or another worker is on it.
 * Never inside a shopper's request: the checkout only reads local state.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * WP-Cron and after-response refreshes.
 */
final class PTWC_Scheduler
{
    public const HOOK = 'ptwc_refresh';
    public const SCHEDULE = 'ptwc_every_minute';

    /** @var PTWC_Plugin */
    private $plugin;

    public function __construct(PTWC_Plugin $plugin)
    {
        $this->plugin = $plugin;
    }

    public function register(): void
    {
        add_filter('cron_schedules', array(__CLASS__, 'add_schedule')); // phpcs:ignore WordPress.WP.CronInterval -- a kill switch must not wait 15 minutes
        add_action(self::HOOK, array($this, 'run_scheduled_refresh'));
        add_action('shutdown', array($this, 'after_response'), 1000);
        add_action('admin_init', array(__CLASS__, 'schedule'));
    }

    /**
     * @param array<string, array<string, mixed>> $schedules
     * @return array<string, array<string, mixed>>
     */
    public static function add_schedule($schedules)
    {
        if (!is_array($schedules)) {
            $schedules = array();
        }
        $schedules[self::SCHEDULE] = array(
            'interval' => MINUTE_IN_SECONDS,
            'display' => __('Every minute (Plugin Telemetry)', 'plugin-telemetry-woocommerce'),
        );
        return $schedules;
    }

    /** Schedules the refresh when it is not (activation; every admin page load checks). */
    public static function schedule(): void
    {
        if (!wp_next_scheduled(self::HOOK)) {
            self::add_schedule_filter();
            wp_schedule_event(time(), self::SCHEDULE, self::HOOK);
        }
    }

    /** Consent just given: the first heartbeat goes out with the next cron run. */
    public static function schedule_now(): void
    {
        wp_clear_scheduled_hook(self::HOOK);
        self::add_schedule_filter();
        wp_schedule_event(time(), self::SCHEDULE, self::HOOK);
    }

    public static function unschedule(): void
    {
        wp_clear_scheduled_hook(self::HOOK);
    }

    /** WP-Cron's callback (DISABLE_WP_CRON + a system cron runs the same). */
    public function run_scheduled_refresh(): void
    {
        $this->refresh('cron');
    }

    /**
     * After the response: write this request's tally and, when a refresh is due, do it.
     * A request with nothing to do costs one read of the state (the due time).
     */
    public function after_response(): void
    {
        if (PTWC_Plugin::retired() || !$this->plugin->settings()->has_consent()) {
            return;
        }
        $client = $this->plugin->client();
        $tally = $this->plugin->tally();
        $due = $client !== null && !wp_doing_cron()
            && (int) floor(microtime(true) * 1000) >= $client->nextRefreshAt();
        if ($tally->is_empty() && !$due) {
            return;
        }
        // Already in `shutdown`: the core's AfterResponse sends the response now, then
        // runs each task on its own.
        $after = $this->plugin->after_response();
        $after->defer(array($tally, 'write'));
        if ($due) {
            $after->defer(function (): void {
                $this->refresh('after response');
            });
        }
        $after->run();
    }

    private function refresh(string $why): void
    {
        $client = $this->plugin->client();
        if ($client === null || !$client->hasConsent()) {
            return;
        }
        $this->plugin->tally()->write();
        $drained = $this->plugin->tally()->drain_into($client);
        $result = $client->refreshIfDue();
        $this->plugin->logger()->debug('refresh (' . $why . ')', array('tallies' => $drained) + $result->toArray());
    }

    /** The schedule must be known when scheduling (activation runs before `init`). */
    private static function add_schedule_filter(): void
    {
        if (!has_filter('cron_schedules', array(__CLASS__, 'add_schedule'))) {
            add_filter('cron_schedules', array(__CLASS__, 'add_schedule')); // phpcs:ignore WordPress.WP.CronInterval -- see register()
        }
    }
}
