<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use PluginTelemetry\Core\FileStateStore;
use PluginTelemetry\Core\StateStore;

/**
 * The telemetry state in the module's own var/ folder (`modules/plugintelemetry/var/
 * state.json`): the core's file store (atomic renames, so readers need no lock; an
 * flock()ed side file serialises writers; 0600).
 *
 * Why a file and not Configuration: a Configuration value is one TEXT column (64 KiB),
 * which a queue of offline events can outgrow, and PrestaShop gives no lock to make a
 * read-modify-write of it safe across workers. Shops running several web servers need
 * the module folder on shared storage (as they already do for images and the cache of
 * modules) or each server keeps its own state; see docs/clients/prestashop.md.
 *
 * The folder is closed to the web the PrestaShop way (index.php, and an .htaccess for
 * Apache; nginx users deny it in the server block, as for vendor/): the state holds no
 * secret (never the API key), but it names the installation and its merchant.
 */
final class ModuleStateStore implements StateStore
{
    private const HTACCESS = "# Apache 2.2\n<IfModule !mod_authz_core.c>\n    Order deny,allow\n    Deny from all\n"
        . "</IfModule>\n\n# Apache 2.4\n<IfModule mod_authz_core.c>\n    Require all denied\n</IfModule>\n";
    private const INDEX = "<?php\n\nheader('Location: ../');\nexit;\n";

    private string $directory;
    private FileStateStore $file;

    public function __construct(string $directory)
    {
        $this->directory = rtrim($directory, '/');
        $this->file = new FileStateStore($this->directory . '/state.json');
    }

    /** The store of the module installed at `$moduleDirectory` (Module::getLocalPath()). */
    public static function inModule(string $moduleDirectory): self
    {
        return new self(rtrim($moduleDirectory, '/') . '/var');
    }

    public function path(): string
    {
        return $this->file->path();
    }

    /** Whether there is any state yet (the checkout never creates it). */
    public function exists(): bool
    {
        return is_file($this->file->path());
    }

    public function load(): ?array
    {
        return $this->file->load();
    }

    public function update(callable $change): void
    {
        $this->protectDirectory();
        $this->file->update($change);
    }

    public function clear(): void
    {
        $this->file->clear();
    }

    /** Creates var/ with its index.php and .htaccess when missing. */
    public function protectDirectory(): bool
    {
        if (!is_dir($this->directory) && !@mkdir($this->directory, 0700, true) && !is_dir($this->directory)) {
            return false;
        }
        $ok = true;
        foreach (['.htaccess' => self::HTACCESS, 'index.php' => self::INDEX] as $name => $content) {
            $path = $this->directory . '/' . $name;
            if (!is_file($path)) {
                $ok = @file_put_contents($path, $content) !== false && $ok;
            }
        }
        return $ok;
    }
}
