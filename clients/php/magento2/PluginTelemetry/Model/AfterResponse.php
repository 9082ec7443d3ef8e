<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

/**
 * Work that must not delay the page (a shared service: one queue per request): run
 * once the response is sent. The first task registers one shutdown function; it hands
 * the page to the client first (fastcgi_finish_request under PHP-FPM, which Magento
 * requires in production), then runs the tasks, each on its own: one failing does not
 * stop the next, and none can break the page, which is already out.
 */
class AfterResponse
{
    /** @var list<callable(): void> */
    private array $tasks = [];
    private bool $registered = false;

    /** @param callable(): void $task */
    public function defer(callable $task): void
    {
        $this->tasks[] = $task;
        if (!$this->registered) {
            $this->registered = true;
            register_shutdown_function([$this, 'run']);
        }
    }

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
                error_log('[plugin_telemetry] after-response task failed: ' . $e->getMessage());
            }
        }
    }
}
