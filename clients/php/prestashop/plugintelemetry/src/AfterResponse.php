<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

/**
 * Work that must not delay the page: run once the response is sent. The first task
 * registers one shutdown function; it hands the page to the client first
 * (fastcgi_finish_request under PHP-FPM, litespeed_finish_request under LiteSpeed),
 * then runs the tasks, each on its own (one failing does not stop the next, and none
 * can break the page, which is already out). Under Apache's mod_php there is no way to
 * finish the response early: the tasks then run after the page but before the
 * connection closes, which is why the cron controller is the recommended way to
 * refresh (docs/clients/prestashop.md).
 */
final class AfterResponse
{
    private static ?self $instance = null;

    /** @var list<callable(): void> */
    private array $tasks = [];
    private bool $registered = false;

    public static function instance(): self
    {
        if (self::$instance === null) {
            self::$instance = new self();
        }
        return self::$instance;
    }

    /** @param callable(): void $task */
    public function defer(callable $task): void
    {
        $this->tasks[] = $task;
        if (!$this->registered) {
            $this->registered = true;
            register_shutdown_function([$this, 'run']);
        }
    }

    /** How many tasks wait (tests, and the configuration page's own checks). */
    public function pending(): int
    {
        return count($this->tasks);
    }

    /** Sends the response, then runs the tasks. Also what tests call to play "after the response". */
    public function run(): void
    {
        if ($this->tasks === []) {
            return;
        }
        if (PHP_SAPI !== 'cli') {
            ignore_user_abort(true);
            if (function_exists('fastcgi_finish_request')) {
                fastcgi_finish_request();
            } elseif (function_exists('litespeed_finish_request')) {
                litespeed_finish_request();
            }
        }
        while ($this->tasks !== []) {
            $task = array_shift($this->tasks);
            try {
                $task();
            } catch (\Throwable $e) {
                error_log('[plugintelemetry] after-response task failed: ' . $e->getMessage());
            }
        }
    }
}
