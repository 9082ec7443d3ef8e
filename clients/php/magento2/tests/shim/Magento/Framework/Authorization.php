<?php

/**
 * Shim of Magento\Framework\Authorization over the ACL of every registered module's
 * etc/acl.xml, as "Access control lists" documents it
 * (https://developer.adobe.com/commerce/php/tutorials/backend/create-access-control-list-rule/):
 * a role is the set of resource ids it was given (Magento_Backend::all gives every one);
 * a resource no acl.xml declares is never allowed. The admin's role is
 * PluginTelemetry\Magento\Tests\Shim\Database::$adminResources (null: nobody is logged in).
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

use Magento\Framework\Component\ComponentRegistrar;
use PluginTelemetry\Magento\Tests\Shim\Database;

class Authorization implements AuthorizationInterface
{
    /** @var array<string, true>|null */
    private static ?array $declared = null;

    public function isAllowed($resource, $privilege = null)
    {
        if (!isset(self::declared()[$resource]) || Database::$adminResources === null) {
            return false;
        }
        return in_array('Magento_Backend::all', Database::$adminResources, true)
            || in_array($resource, Database::$adminResources, true);
    }

    /** @return array<string, true> every resource id of every acl.xml */
    public static function declared(): array
    {
        if (self::$declared === null) {
            self::$declared = ['Magento_Backend::all' => true];
            foreach ((new ComponentRegistrar())->getPaths(ComponentRegistrar::MODULE) as $dir) {
                $xml = is_file($dir . '/etc/acl.xml') ? simplexml_load_file($dir . '/etc/acl.xml') : false;
                foreach ($xml === false ? [] : $xml->xpath('//resource[@id]') as $node) {
                    self::$declared[(string) $node['id']] = true;
                }
            }
        }
        return self::$declared;
    }
}
