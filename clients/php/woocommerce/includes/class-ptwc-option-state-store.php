<?php

/**
 * The core's state in a WordPress option (non-autoloaded, JSON text), shared by every
 * PHP worker of the shop and by every web server in front of one database.
 *
 * Why not get_option()/update_option(): with a persistent object cache a worker may read
 * a stale copy, and update_option() compares with that copy and can skip a write. This
 * store reads the row itself and writes it with one INSERT ... ON DUPLICATE KEY UPDATE,
 * then drops the cached copy. Writers are serialised with a MySQL/MariaDB named lock
 * (GET_LOCK), which the server releases when a worker's connection dies holding it.
 * The document holds no secret (the core never writes the API key).
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

// phpcs:disable WordPress.DB.DirectDatabaseQuery -- the state must bypass the object cache (see above).

use PluginTelemetry\Core\StateStore;

/**
 * A StateStore on the options table.
 */
final class PTWC_Option_State_Store implements StateStore
{
    /** Seconds a writer waits for another one's lock (the core holds it for a few ms). */
    private const LOCK_WAIT_SECONDS = 3;

    /** @var string */
    private $option;

    public function __construct(string $option)
    {
        $this->option = $option;
    }

    public function option(): string
    {
        return $this->option;
    }

    public function load(): ?array
    {
        $text = $this->read();
        if ($text === null || $text === '') {
            return null;
        }
        $value = json_decode($text, true, 64);
        return is_array($value) ? $value : null;
    }

    public function update(callable $change): void
    {
        global $wpdb;
        $lock = $this->lock_name();
        $taken = $wpdb->get_var($wpdb->prepare('SELECT GET_LOCK(%s, %d)', $lock, self::LOCK_WAIT_SECONDS));
        if ((string) $taken !== '1') {
            throw new \RuntimeException('state lock not taken: ' . ($wpdb->last_error !== '' ? $wpdb->last_error : 'timeout'));
        }
        try {
            $json = wp_json_encode($change($this->load()), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
            if (!is_string($json)) {
                throw new \RuntimeException('state not encodable');
            }
            $written = $wpdb->query($wpdb->prepare(
                "INSERT INTO {$wpdb->options} (option_name, option_value, autoload) VALUES (%s, %s, 'no')
                 ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)",
                $this->option,
                $json
            ));
            if ($written === false) {
                throw new \RuntimeException('state not written: ' . $wpdb->last_error);
            }
        } finally {
            $wpdb->query($wpdb->prepare('SELECT RELEASE_LOCK(%s)', $lock));
            $this->forget_cached();
        }
    }

    public function clear(): void
    {
        global $wpdb;
        $wpdb->delete($wpdb->options, array('option_name' => $this->option), array('%s'));
        $this->forget_cached();
    }

    /** The row's text, read from the database (not the object cache); null when absent. */
    private function read(): ?string
    {
        global $wpdb;
        $text = $wpdb->get_var($wpdb->prepare(
            "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s LIMIT 1",
            $this->option
        ));
        return is_string($text) ? $text : null;
    }

    /** Server-wide lock names: this database, this site's table, this option. */
    private function lock_name(): string
    {
        global $wpdb;
        return 'ptwc:' . md5(DB_NAME . '.' . $wpdb->options . '.' . $this->option);
    }

    private function forget_cached(): void
    {
        wp_cache_delete($this->option, 'options');
        wp_cache_delete('notoptions', 'options');
    }
}
