<?php

/**
 * Shim of Magento\Framework\App\Filesystem\DirectoryList: getPath($code) of the
 * installation's folders, VAR_DIR being `<root>/var`. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Filesystem;

class DirectoryList
{
    public const VAR_DIR = 'var';
    public const ROOT = 'base';

    private string $root;

    public function __construct(string $root)
    {
        $this->root = rtrim($root, '/');
    }

    public function getPath($code)
    {
        return $code === self::ROOT ? $this->root : $this->root . '/' . $code;
    }
}
