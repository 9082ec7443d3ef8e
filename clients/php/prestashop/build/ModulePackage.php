<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop\Build;

/**
 * The module as merchants get it: `plugintelemetry/` with the PHP core bundled in
 * `vendor/plugin-telemetry/core/` (PrestaShop modules carry their dependencies: a shop
 * has no Composer), an index.php in every folder (PrestaShop's rule against directory
 * listings), vendor/ closed to the web, the release's pinned keys in pinned_keys.php,
 * and nothing a development run left in var/ (state files, locks).
 *
 * `stage()` writes that folder (the tests install it into their shim shop, so they run
 * what ships); `zip()` packs it as `plugintelemetry-<version>.zip` with the module
 * folder at the root, which Modules > Upload expects.
 */
final class ModulePackage
{
    public const MODULE = 'plugintelemetry';

    private string $moduleSource;
    private string $coreSource;

    public function __construct(?string $moduleSource = null, ?string $coreSource = null)
    {
        $this->moduleSource = rtrim($moduleSource ?? dirname(__DIR__) . '/' . self::MODULE, '/');
        $this->coreSource = rtrim($coreSource ?? dirname(__DIR__, 2) . '/core', '/');
    }

    /** The module's version, from its class (and config.xml, which must agree). */
    public function version(): string
    {
        $source = (string) file_get_contents($this->moduleSource . '/' . self::MODULE . '.php');
        if (preg_match("/public const VERSION = '([^']+)'/", $source, $m) !== 1) {
            throw new \RuntimeException('no VERSION constant in the module class');
        }
        $xml = simplexml_load_file($this->moduleSource . '/config.xml');
        if ($xml === false || trim((string) $xml->version) !== $m[1]) {
            throw new \RuntimeException("config.xml's version differs from the module class' {$m[1]}");
        }
        return $m[1];
    }

    /**
     * Writes `<modulesDir>/plugintelemetry/` (replacing one there).
     *
     * @param array<string, string>|null $pinnedKeys key_id => base64 key; null keeps the source's file
     */
    public function stage(string $modulesDir, ?array $pinnedKeys = null): string
    {
        $target = rtrim($modulesDir, '/') . '/' . self::MODULE;
        self::remove($target);
        self::copyTree($this->moduleSource, $target, static function (string $relative): bool {
            // What a development run leaves behind never ships.
            return preg_match('#^var/(?!index\.php$|\.htaccess$)#', $relative) !== 1
                && preg_match('#(^|/)vendor(/|$)#', $relative) !== 1;
        });
        $core = $target . '/vendor/plugin-telemetry/core';
        foreach (['autoload.php', 'composer.json', 'README.md'] as $file) {
            self::copyFile($this->coreSource . '/' . $file, $core . '/' . $file);
        }
        self::copyTree($this->coreSource . '/src', $core . '/src', static function (): bool {
            return true;
        });
        file_put_contents($target . '/vendor/.htaccess', (string) file_get_contents($target . '/var/.htaccess'));
        if ($pinnedKeys !== null) {
            file_put_contents($target . '/pinned_keys.php', self::pinnedKeysFile($pinnedKeys));
        }
        self::addIndexFiles($target, (string) file_get_contents($target . '/index.php'));
        return $target;
    }

    /**
     * The module zip in `$outDir`; returns its path.
     *
     * @param array<string, string>|null $pinnedKeys
     */
    public function zip(string $outDir, ?array $pinnedKeys = null): string
    {
        $stage = sys_get_temp_dir() . '/plugintelemetry-build-' . bin2hex(random_bytes(4));
        $this->stage($stage, $pinnedKeys);
        if (!is_dir($outDir) && !mkdir($outDir, 0755, true) && !is_dir($outDir)) {
            throw new \RuntimeException("cannot create {$outDir}");
        }
        $zip = rtrim($outDir, '/') . '/' . self::MODULE . '-' . $this->version() . '.zip';
        @unlink($zip);
        // PharData writes zip files without ext-zip (not loaded on every build machine).
        $archive = new \PharData($zip, 0, null, \Phar::ZIP);
        $archive->buildFromDirectory($stage);
        unset($archive);
        self::remove($stage);
        return $zip;
    }

    /**
     * The keys ingest publishes (`GET /api/v1/plugins/signing-keys`), fetched when the
     * release is built, never at run time.
     *
     * @return array<string, string>
     */
    public static function fetchSigningKeys(string $ingestUrl): array
    {
        $context = stream_context_create(['http' => ['timeout' => 10, 'follow_location' => 0]]);
        $text = @file_get_contents(rtrim($ingestUrl, '/') . '/api/v1/plugins/signing-keys', false, $context);
        $doc = is_string($text) ? json_decode($text, true) : null;
        $keys = [];
        foreach (is_array($doc) && is_array($doc['keys'] ?? null) ? $doc['keys'] : [] as $k) {
            if (($k['algorithm'] ?? 'Ed25519') === 'Ed25519' && is_string($k['key_id'] ?? null)) {
                $keys[$k['key_id']] = (string) ($k['public_key'] ?? '');
            }
        }
        if ($keys === []) {
            throw new \RuntimeException("no Ed25519 signing key at {$ingestUrl}/api/v1/plugins/signing-keys");
        }
        return $keys;
    }

    /** @param array<string, string> $keys */
    public static function pinnedKeysFile(array $keys): string
    {
        $lines = '';
        foreach ($keys as $id => $key) {
            $raw = base64_decode($key, true);
            if (!preg_match('/^[A-Za-z0-9._-]{1,64}$/', (string) $id) || $raw === false || strlen($raw) !== 32) {
                throw new \InvalidArgumentException("pinned key {$id} is not a 32-byte Ed25519 key in base64");
            }
            $lines .= '    ' . var_export((string) $id, true) . ' => ' . var_export($key, true) . ",\n";
        }
        return "<?php\n\n/**\n * The Ed25519 public keys this release acts on, pinned when it was built.\n"
            . " *\n * @return array<string, string>\n */\n\ndeclare(strict_types=1);\n\nreturn [\n{$lines}];\n";
    }

    /** @param callable(string): bool $keep */
    private static function copyTree(string $from, string $to, callable $keep): void
    {
        $items = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($from, \FilesystemIterator::SKIP_DOTS),
            \RecursiveIteratorIterator::SELF_FIRST
        );
        foreach ($items as $item) {
            /** @var \SplFileInfo $item */
            $relative = substr($item->getPathname(), strlen($from) + 1);
            if (!$keep($relative)) {
                continue;
            }
            if ($item->isDir()) {
                @mkdir($to . '/' . $relative, 0755, true);
            } else {
                self::copyFile($item->getPathname(), $to . '/' . $relative);
            }
        }
    }

    private static function copyFile(string $from, string $to): void
    {
        if (!is_dir(dirname($to))) {
            mkdir(dirname($to), 0755, true);
        }
        if (!copy($from, $to)) {
            throw new \RuntimeException("cannot copy {$from}");
        }
    }

    private static function addIndexFiles(string $root, string $index): void
    {
        $dirs = [$root];
        $items = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS),
            \RecursiveIteratorIterator::SELF_FIRST
        );
        foreach ($items as $item) {
            if ($item->isDir()) {
                $dirs[] = $item->getPathname();
            }
        }
        foreach ($dirs as $dir) {
            if (!is_file($dir . '/index.php')) {
                file_put_contents($dir . '/index.php', $index);
            }
        }
    }

    public static function remove(string $path): void
    {
        if (is_link($path) || is_file($path)) {
            @unlink($path);
            return;
        }
        if (!is_dir($path)) {
            return;
        }
        $items = new \RecursiveIteratorIterator(
            new \RecursiveDirectoryIterator($path, \FilesystemIterator::SKIP_DOTS),
            \RecursiveIteratorIterator::CHILD_FIRST
        );
        foreach ($items as $item) {
            $item->isDir() && !$item->isLink() ? @rmdir($item->getPathname()) : @unlink($item->getPathname());
        }
        @rmdir($path);
    }
}
