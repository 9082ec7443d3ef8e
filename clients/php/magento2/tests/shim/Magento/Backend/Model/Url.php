<?php

/**
 * Shim of Magento\Backend\Model\Url: admin URLs shaped
 * `https://<host>/admin/<route>/<controller>/<action>/<param>/<value>/.../key/<secret>/`,
 * the secret being a hash of route, controller, action and the admin session's form key
 * (as Magento computes it). Tests only.
 */

declare(strict_types=1);

namespace Magento\Backend\Model;

use Magento\Framework\Encryption\EncryptorInterface;
use PluginTelemetry\Magento\Tests\Shim\Database;

class Url implements UrlInterface
{
    private EncryptorInterface $encryptor;

    public function __construct(EncryptorInterface $encryptor)
    {
        $this->encryptor = $encryptor;
    }

    public function getUrl($routePath = null, $routeParams = null)
    {
        [$route, $controller, $action] = array_pad(explode('/', (string) $routePath), 3, 'index');
        $url = 'https://' . Database::$host . '/admin/' . $route . '/' . $controller . '/' . $action . '/';
        foreach ((array) $routeParams as $name => $value) {
            $url .= rawurlencode((string) $name) . '/' . rawurlencode((string) $value) . '/';
        }
        if ($this->useSecretKey()) {
            $url .= self::SECRET_KEY_PARAM_NAME . '/' . $this->getSecretKey($route, $controller, $action) . '/';
        }
        return $url;
    }

    public function getSecretKey($routeName = null, $controller = null, $action = null)
    {
        return $this->encryptor->getHash($routeName . $controller . $action . Database::$formKey);
    }

    public function useSecretKey()
    {
        return true;
    }
}
