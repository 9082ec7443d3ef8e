<?php

/**
 * Shim of Magento\Framework\Encryption\EncryptorInterface, the calls the module and the
 * shim make: encrypt($data), decrypt($data), getHash($password, $salt = false). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Encryption;

interface EncryptorInterface
{
    public function getHash($password, $salt = false, $version = null);

    public function encrypt($data);

    public function decrypt($data);
}
