<?php

/**
 * Shim of Magento\Framework\Escaper: escapeHtml($data, $allowedTags = null) (no tag
 * allowed here), escapeHtmlAttr($string, $escapeSingleQuote = true), escapeUrl($string)
 * (refuses javascript:, data: and vbscript: URLs as Magento does). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

class Escaper
{
    public function escapeHtml($data, $allowedTags = null)
    {
        return htmlspecialchars((string) $data, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8', false);
    }

    public function escapeHtmlAttr($string, $escapeSingleQuote = true)
    {
        return htmlspecialchars((string) $string, $escapeSingleQuote ? ENT_QUOTES : ENT_COMPAT, 'UTF-8', false);
    }

    public function escapeUrl($string)
    {
        $url = (string) $string;
        if (preg_match('/^\s*(javascript|vbscript|data):/i', $url) === 1) {
            return '';
        }
        return htmlspecialchars($url, ENT_COMPAT | ENT_HTML5 | ENT_HTML401, 'UTF-8', false);
    }
}
