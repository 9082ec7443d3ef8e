<?php

declare(strict_types=1);

namespace PluginTelemetry\Telemetry\Model;

use Magento\Framework\FlagManager;
use Magento\Framework\Lock\LockManagerInterface;
use PluginTelemetry\Core\StateStore as CoreStateStore;

/**
 * The telemetry state as one row of Magento's `flag` table (FlagManager: `flag_data`
 * is a MEDIUMTEXT holding JSON), written under one of Magento's named locks
 * (LockManagerInterface: MySQL GET_LOCK by default, or the file, cache or ZooKeeper
 * backend of env.php).
 *
 * Why the flag table and not a file in var/: a Magento shop often runs several web
 * nodes and a cron node; var/ is not always shared between them, the database always
 * is, so the cron's verified block reaches every node's checkout. A row update is
 * atomic, so a reader (the checkout, without the lock) sees a whole document;
 * FlagManager reads the row afresh on every call, so a read under the lock sees what
 * the last writer wrote.
 */
class StateStore implements CoreStateStore
{
    public const FLAG_CODE = 'plugin_telemetry_state';
    private const LOCK_NAME = 'plugin_telemetry_state';
    /** Writers hold the lock for one read and one write; waiting longer means trouble. */
    private const LOCK_TIMEOUT_SECONDS = 5;

    private FlagManager $flags;
    private LockManagerInterface $locks;

    public function __construct(FlagManager $flags, LockManagerInterface $locks)
    {
        $this->flags = $flags;
        $this->locks = $locks;
    }

    public function load(): ?array
    {
        $data = $this->flags->getFlagData(self::FLAG_CODE);
        return is_array($data) && $data !== [] ? $data : null;
    }

    public function update(callable $change): void
    {
        if (!$this->locks->lock(self::LOCK_NAME, self::LOCK_TIMEOUT_SECONDS)) {
            throw new \RuntimeException(
                'the telemetry state lock was not taken within ' . self::LOCK_TIMEOUT_SECONDS . ' s'
            );
        }
        try {
            $this->flags->saveFlag(self::FLAG_CODE, $change($this->load()));
        } finally {
            $this->locks->unlock(self::LOCK_NAME);
        }
    }

    public function clear(): void
    {
        $this->flags->deleteFlag(self::FLAG_CODE);
    }
}
