<?php

/**
 * The XML files of every registered module (ComponentRegistrar), as Magento's config
 * readers collect them: `etc/<file>` (global) and `etc/<area>/<file>`. Not a Magento
 * class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

use Magento\Framework\Component\ComponentRegistrar;

final class ModuleFiles
{
    /** @return list<\SimpleXMLElement> */
    public static function xml(string $file, ?string $area = null): array
    {
        $out = [];
        foreach ((new ComponentRegistrar())->getPaths(ComponentRegistrar::MODULE) as $dir) {
            $path = $dir . '/etc/' . ($area === null || $area === 'global' ? '' : $area . '/') . $file;
            if (!is_file($path)) {
                continue;
            }
            $xml = simplexml_load_file($path);
            if ($xml === false) {
                throw new \RuntimeException("{$path} is not well-formed XML");
            }
            $out[] = $xml;
        }
        return $out;
    }
}
