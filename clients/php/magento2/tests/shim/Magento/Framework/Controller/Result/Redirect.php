<?php

/**
 * Shim of Magento\Framework\Controller\Result\Redirect: setPath($path, $params),
 * setUrl($url), setRefererOrBaseUrl(); the target is kept for the test to read. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Controller\Result;

class Redirect
{
    public ?string $target = null;

    /** @param array<string, mixed> $params */
    public function setPath($path, array $params = [])
    {
        $this->target = 'path:' . $path;
        return $this;
    }

    public function setUrl($url)
    {
        $this->target = (string) $url;
        return $this;
    }

    public function setRefererOrBaseUrl()
    {
        $this->target = 'referer';
        return $this;
    }
}
