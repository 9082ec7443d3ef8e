<?php

/**
 * What a release build fixes for every shop running it: the Ed25519 public keys it pins
 * and the default endpoint. bin/build-zip writes them to includes/ptwc-release.php from
 * ingest's `GET /api/v1/plugins/signing-keys` when the release is built; they are never
 * fetched at run time (a key fetched from whoever answers would let them sign too), and
 * no setting changes them.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * The release's pinned keys and default endpoint.
 */
final class PTWC_Release
{
    /** @var array{pinned_keys: array<string, string>, endpoint: string}|null */
    private static $release = null;

    /** @return array<string, string> key_id => base64 of the 32-byte public key */
    public static function pinned_keys(): array
    {
        return self::load()['pinned_keys'];
    }

    public static function default_endpoint(): string
    {
        return self::load()['endpoint'];
    }

    /** @return array{pinned_keys: array<string, string>, endpoint: string} */
    private static function load(): array
    {
        if (self::$release !== null) {
            return self::$release;
        }
        $file = __DIR__ . '/ptwc-release.php';
        $release = is_file($file) ? include $file : array();
        $keys = array();
        if (is_array($release) && isset($release['pinned_keys']) && is_array($release['pinned_keys'])) {
            foreach ($release['pinned_keys'] as $id => $key) {
                if (is_string($id) && is_string($key) && $key !== '') {
                    $keys[$id] = $key;
                }
            }
        }
        $endpoint = is_array($release) && isset($release['endpoint']) && is_string($release['endpoint'])
            ? $release['endpoint'] : '';
        self::$release = array('pinned_keys' => $keys, 'endpoint' => $endpoint);
        return self::$release;
    }
}
