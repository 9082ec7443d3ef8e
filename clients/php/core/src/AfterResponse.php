<?php

declare(strict_types=1);

namespace PluginTelemetry\Core;

/**
 * Work that must not delay the page, run once the response is sent: one queue per PHP
 * request (an adapter keeps one instance). The first deferred task registers one
 * shutdown function; run() hands the page to the client first (outside the CLI:
 * `ignore_user_abort`, then `fastcgi_finish_request` under PHP-FPM or
 * `litespeed_finish_request` under LiteSpeed), then runs the tasks, each on its own:
 * one failing does not stop the next, and none can break the page, which is already
 * out. Under Apache's mod_php there is no way to finish the response early: the tasks
 * then run after the page but before the connection closes, which is why a cron is
 * the recommended way to refresh.
 *
 * Not final: a framework whose container wants a class of the module's own (Magento's
 * object manager) may extend it to pass its log prefix.
 */
class AfterResponse
{
    /** @var list<callable(): void> */
    private array $tasks = [];
    private bool $registered = false;
    private string $logPrefix;
    private ?Logger $logger;

    /**
     * @param string $logPrefix what a failed task's line in PHP's error_log starts with
     * @param Logger|null $logger where a failed task is reported instead of error_log
     */
    public function __construct(string $logPrefix = '[plugin-telemetry]', ?Logger $logger = null)
    {
        $this->logPrefix = $logPrefix;
        $this->logger = $logger;
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

    /** How many tasks wait. */
    public function pending(): int
    {
        return count($this->tasks);
    }

    /**
     * Sends the response, then runs the tasks (those they defer too). Also what an
     * adapter already in its shutdown hook calls, and what tests call to play "after
     * the response". Nothing to do: returns at once, the response untouched.
     */
    public function run(): void
    {
        if ($this->tasks === []) {
            return;
        }
        self::finishResponse();
        while ($this->tasks !== []) {
            $task = array_shift($this->tasks);
            try {
                $task();
            } catch (\Throwable $e) {
                $this->failed($e);
            }
        }
    }

    /** The visitor gets the whole response now; what follows goes on without them. */
    public static function finishResponse(): void
    {
        if (PHP_SAPI === 'cli') {
            return;
        }
        ignore_user_abort(true);
        if (function_exists('fastcgi_finish_request')) {
            fastcgi_finish_request();
        } elseif (function_exists('litespeed_finish_request')) {
            litespeed_finish_request();
        }
    }

    private function failed(\Throwable $e): void
    {
        $message = 'after-response task failed: ' . $e->getMessage();
        if ($this->logger === null) {
            error_log($this->logPrefix . ' ' . $message);
            return;
        }
        try {
            $this->logger->warning($message);
        } catch (\Throwable $ignored) {
            // a logger must not stop the next task
        }
    }
}
