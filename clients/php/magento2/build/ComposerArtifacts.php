<?php

declare(strict_types=1);

namespace PluginTelemetry\Magento\Build;

/**
 * The release as Composer packages (Magento extensions are installed and updated with
 * Composer): two artifact zips, composer.json at their root, for a Composer
 * `artifact` repository, a private Packagist or Satis:
 *
 * - `plugin-telemetry-magento2-telemetry-<version>.zip`: the module, with the release's
 *   pinned keys written into etc/di.xml (the `pinnedKeys` argument of ClientFactory);
 * - `plugin-telemetry-core-<version>.zip`: clients/php/core, its composer.json given
 *   the version (TelemetryClient::VERSION) the module requires.
 */
final class ComposerArtifacts
{
    private string $moduleSource;
    private string $coreSource;

    public function __construct(?string $moduleSource = null, ?string $coreSource = null)
    {
        $this->moduleSource = rtrim($moduleSource ?? dirname(__DIR__) . '/PluginTelemetry', '/');
        $this->coreSource = rtrim($coreSource ?? dirname(__DIR__, 2) . '/core', '/');
    }

    /**
     * @param array<string, string> $pinnedKeys key_id => base64 Ed25519 public key
     * @return array{module: string, core: string} the two zips
     */
    public function build(string $outDir, array $pinnedKeys): array
    {
        if ($pinnedKeys === []) {
            throw new \InvalidArgumentException('a release pins at least one signing key');
        }
        if (!is_dir($outDir) && !mkdir($outDir, 0755, true) && !is_dir($outDir)) {
            throw new \RuntimeException("cannot create {$outDir}");
        }
        $module = json_decode((string) file_get_contents($this->moduleSource . '/composer.json'), true);
        $moduleZip = rtrim($outDir, '/') . '/plugin-telemetry-magento2-telemetry-' . $module['version'] . '.zip';
        $diXml = (string) file_get_contents($this->moduleSource . '/etc/di.xml');
        $this->zip($this->moduleSource, $moduleZip, ['etc/di.xml' => self::withPinnedKeys($diXml, $pinnedKeys)]);

        $coreVersion = self::coreVersion($this->coreSource);
        $composer = json_decode((string) file_get_contents($this->coreSource . '/composer.json'), true);
        $composer = ['name' => $composer['name'], 'version' => $coreVersion] + $composer;
        $coreZip = rtrim($outDir, '/') . '/plugin-telemetry-core-' . $coreVersion . '.zip';
        $this->zip($this->coreSource, $coreZip, [
            'composer.json' => json_encode($composer, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n",
        ], ['tests']);
        return ['module' => $moduleZip, 'core' => $coreZip];
    }

    /** @param array<string, string> $keys */
    public static function withPinnedKeys(string $diXml, array $keys): string
    {
        $dom = new \DOMDocument();
        $dom->preserveWhiteSpace = true;
        if (!$dom->loadXML($diXml)) {
            throw new \RuntimeException('etc/di.xml is not well-formed');
        }
        $xpath = new \DOMXPath($dom);
        $nodes = $xpath->query(
            '//type[@name="PluginTelemetry\Telemetry\Model\ClientFactory"]/arguments/argument[@name="pinnedKeys"]'
        );
        $argument = $nodes === false ? null : $nodes->item(0);
        if (!$argument instanceof \DOMElement) {
            throw new \RuntimeException('etc/di.xml has no pinnedKeys argument');
        }
        while ($argument->firstChild !== null) {
            $argument->removeChild($argument->firstChild);
        }
        foreach ($keys as $id => $key) {
            $raw = base64_decode($key, true);
            if (preg_match('/^[A-Za-z0-9._-]{1,64}$/', (string) $id) !== 1 || $raw === false || strlen($raw) !== 32) {
                throw new \InvalidArgumentException("pinned key {$id} is not a 32-byte Ed25519 key in base64");
            }
            $argument->appendChild($dom->createTextNode("\n                "));
            $item = $dom->createElement('item', $key);
            $item->setAttribute('name', (string) $id);
            $item->setAttributeNS('http://www.w3.org/2001/XMLSchema-instance', 'xsi:type', 'string');
            $argument->appendChild($item);
        }
        $argument->appendChild($dom->createTextNode("\n            "));
        return (string) $dom->saveXML();
    }

    public static function coreVersion(string $coreSource): string
    {
        $source = (string) file_get_contents($coreSource . '/src/TelemetryClient.php');
        if (preg_match("/public const VERSION = '([^']+)'/", $source, $m) !== 1) {
            throw new \RuntimeException('no VERSION in TelemetryClient');
        }
        return $m[1];
    }

    /**
     * @param array<string, string> $replace relative path => content
     * @param list<string> $skip top-level folders left out
     */
    private function zip(string $from, string $zip, array $replace, array $skip = []): void
    {
        @unlink($zip);
        // PharData writes zip files without ext-zip (not loaded on every build machine).
        $archive = new \PharData($zip, 0, null, \Phar::ZIP);
        $items = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($from, \FilesystemIterator::SKIP_DOTS));
        foreach ($items as $item) {
            /** @var \SplFileInfo $item */
            $relative = substr($item->getPathname(), strlen($from) + 1);
            if (in_array(explode('/', $relative)[0], $skip, true)) {
                continue;
            }
            if (isset($replace[$relative])) {
                $archive->addFromString($relative, $replace[$relative]);
            } else {
                $archive->addFile($item->getPathname(), $relative);
            }
        }
        unset($archive);
    }
}
