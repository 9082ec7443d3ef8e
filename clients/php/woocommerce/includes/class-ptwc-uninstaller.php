<?php

/**
 * What uninstall.php does, site by site: the queued events and then `uninstalled` go to
 * ingest (when the merchant consented; the core removes its state once ingest accepted
 * it), then every option and tally row of the plugin is deleted and its cron event
 * cleared, whether or not ingest could be reached (a deleted plugin leaves nothing).
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

// phpcs:disable WordPress.DB.DirectDatabaseQuery -- every ptwc_ option, by prefix.

/**
 * Uninstall.
 */
final class PTWC_Uninstaller
{
    public static function run(): void
    {
        self::run_sites();
        // When deleted in a request that still has the plugin loaded, its shutdown hook
        // must not write state back.
        PTWC_Plugin::retire();
    }

    private static function run_sites(): void
    {
        if (is_multisite() && function_exists('get_sites')) {
            foreach (get_sites(array('fields' => 'ids', 'number' => 0)) as $site_id) {
                switch_to_blog((int) $site_id);
                self::uninstall_site();
                restore_current_blog();
            }
            return;
        }
        self::uninstall_site();
    }

    private static function uninstall_site(): void
    {
        $plugin = PTWC_Plugin::for_current_site();
        $client = $plugin->client();
        if ($client !== null && $client->hasConsent()) {
            $plugin->tally()->drain_into($client);
            $result = $client->uninstalled();
            if (!$result->ok()) {
                $plugin->logger()->warning('uninstalled not delivered; removing the local state anyway', $result->toArray());
            }
        }
        self::delete_options();
        wp_clear_scheduled_hook(PTWC_Scheduler::HOOK);
    }

    /** Every option whose name starts with ptwc_ (settings, state, installation id, tallies). */
    public static function delete_options(): void
    {
        global $wpdb;
        $names = $wpdb->get_col($wpdb->prepare(
            "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s",
            $wpdb->esc_like(PTWC_Plugin::OPTION_PREFIX) . '%'
        ));
        foreach ((array) $names as $name) {
            delete_option($name);
        }
    }
}
