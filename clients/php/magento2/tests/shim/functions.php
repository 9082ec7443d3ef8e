<?php

/**
 * Shim of Magento's global translation function __() (app/functions.php). Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Methods.CamelCapsMethodName, Squiz.Functions.GlobalFunction

if (!function_exists('__')) {
    /** @param mixed ...$argc */
    function __(...$argc): \Magento\Framework\Phrase
    {
        $text = array_shift($argc);
        if ($argc !== [] && is_array($argc[0])) {
            $argc = $argc[0];
        }
        return new \Magento\Framework\Phrase($text, $argc);
    }
}
