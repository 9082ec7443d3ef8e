<?php

/**
 * A store for the shim: an object manager for an area, with the framework's
 * preferences as Magento's app/etc/di.xml sets them (config, config writer, encryptor,
 * file lock provider in `<root>/var/locks`, ACL authorization, backend URLs, event and
 * message managers, product metadata, a PSR-3 logger). Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

final class Shop
{
    public static function boot(string $root, string $area): ObjectManager
    {
        Database::$area = $area;
        $om = new ObjectManager($area);
        $om->configure([
            'preferences' => [
                'Magento\Framework\App\Config\ScopeConfigInterface' => 'Magento\Framework\App\Config',
                'Magento\Framework\App\Config\Storage\WriterInterface' => 'Magento\Framework\App\Config\Storage\Writer',
                'Magento\Framework\Encryption\EncryptorInterface' => 'Magento\Framework\Encryption\Encryptor',
                'Magento\Framework\Lock\LockManagerInterface' => 'Magento\Framework\Lock\Backend\FileLock',
                'Magento\Framework\AuthorizationInterface' => 'Magento\Framework\Authorization',
                'Magento\Backend\Model\UrlInterface' => 'Magento\Backend\Model\Url',
                'Magento\Framework\Event\ManagerInterface' => 'Magento\Framework\Event\Manager',
                'Magento\Framework\Message\ManagerInterface' => 'Magento\Framework\Message\Manager',
                'Magento\Framework\App\ProductMetadataInterface' => 'Magento\Framework\App\ProductMetadata',
                'Magento\Framework\App\RequestInterface' => 'Magento\Framework\App\Request\Http',
                'Psr\Log\LoggerInterface' => CollectingLogger::class,
            ],
            'Magento\Framework\App\Filesystem\DirectoryList' => ['arguments' => ['root' => $root]],
            'Magento\Framework\Lock\Backend\FileLock' => ['arguments' => ['path' => rtrim($root, '/') . '/var/locks']],
        ]);
        return $om;
    }
}
