<?php

/**
 * Shim of Magento\Framework\Encryption\Encryptor: values stored as
 * `<key version>:<cipher version>:<base64>` (Magento's format; here key 0, cipher 3,
 * sodium's XChaCha20-Poly1305 with a fixed test key, as env.php's crypt/key would be).
 * decrypt() of anything else answers ''. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Encryption;

class Encryptor implements EncryptorInterface
{
    private string $key;

    public function __construct()
    {
        $this->key = hash('sha256', 'shim crypt key', true);
    }

    public function getHash($password, $salt = false, $version = null)
    {
        return hash('sha256', ($salt === false ? '' : (string) $salt) . $password);
    }

    public function encrypt($data)
    {
        $nonce = random_bytes(SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES);
        $box = sodium_crypto_aead_xchacha20poly1305_ietf_encrypt((string) $data, '', $nonce, $this->key);
        return '0:3:' . base64_encode($nonce . $box);
    }

    public function decrypt($data)
    {
        if (!is_string($data) || strncmp($data, '0:3:', 4) !== 0) {
            return '';
        }
        $raw = base64_decode(substr($data, 4), true);
        $n = SODIUM_CRYPTO_AEAD_XCHACHA20POLY1305_IETF_NPUBBYTES;
        if ($raw === false || strlen($raw) <= $n) {
            return '';
        }
        $box = substr($raw, $n);
        $plain = sodium_crypto_aead_xchacha20poly1305_ietf_decrypt($box, '', substr($raw, 0, $n), $this->key);
        return $plain === false ? '' : $plain;
    }
}
