<?php

/**
 * Shim of Magento\Backend\Model\UrlInterface: the admin's URL builder; getUrl() adds the
 * secret key (`key/<secret>`) when useSecretKey() (Stores > Configuration > Advanced >
 * Admin > "Add Secret Key to URLs", on by default); getSecretKey($routeName,
 * $controller, $action). Tests only.
 */

declare(strict_types=1);

namespace Magento\Backend\Model;

interface UrlInterface extends \Magento\Framework\UrlInterface
{
    public const SECRET_KEY_PARAM_NAME = 'key';

    public function getSecretKey($routeName = null, $controller = null, $action = null);

    public function useSecretKey();
}
