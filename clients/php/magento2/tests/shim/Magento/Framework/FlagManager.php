<?php

/**
 * Shim of Magento\Framework\FlagManager (lib/internal/Magento/Framework/FlagManager.php):
 * getFlagData($flagCode) reads the `flag` row afresh on every call and answers its
 * `flag_data` decoded from JSON (null when there is no row); saveFlag($flagCode, $value)
 * writes it JSON-encoded, creating the row when missing, and answers true;
 * deleteFlag($flagCode) removes the row and answers true. One row is one file under
 * `<var>/shim-db/flag/` (written by rename, as a row update is atomic), so separate PHP
 * processes share it as they share a database. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

use Magento\Framework\App\Filesystem\DirectoryList;

class FlagManager
{
    private string $table;

    public function __construct(DirectoryList $directoryList)
    {
        $this->table = $directoryList->getPath(DirectoryList::VAR_DIR) . '/shim-db/flag';
    }

    /** @return mixed */
    public function getFlagData($flagCode)
    {
        $text = @file_get_contents($this->row($flagCode));
        if ($text === false) {
            return null;
        }
        $row = json_decode($text, true);
        return is_array($row) && isset($row['flag_data']) ? json_decode((string) $row['flag_data'], true) : null;
    }

    /** @param mixed $value */
    public function saveFlag($flagCode, $value)
    {
        if (!is_dir($this->table)) {
            mkdir($this->table, 0700, true);
        }
        $json = json_encode($value);
        if ($json === false) {
            throw new \InvalidArgumentException('Unable to serialize value. Error: ' . json_last_error_msg());
        }
        $row = json_encode(
            ['flag_code' => $flagCode, 'state' => 0, 'flag_data' => $json, 'last_update' => gmdate('c')]
        );
        $tmp = $this->row($flagCode) . '.' . getmypid() . '.tmp';
        file_put_contents($tmp, $row);
        rename($tmp, $this->row($flagCode));
        return true;
    }

    public function deleteFlag($flagCode)
    {
        @unlink($this->row($flagCode));
        return true;
    }

    private function row(string $flagCode): string
    {
        return $this->table . '/' . preg_replace('/[^A-Za-z0-9_.-]/', '_', $flagCode) . '.json';
    }
}
