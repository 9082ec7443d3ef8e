<?php

/**
 * Shim of Magento\Framework\Phrase, what __() answers: the text with %1, %2… replaced by
 * the arguments (no translation). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

class Phrase
{
    private string $text;
    /** @var list<mixed> */
    private array $arguments;

    /** @param list<mixed> $arguments */
    public function __construct($text, array $arguments = [])
    {
        $this->text = (string) $text;
        $this->arguments = $arguments;
    }

    public function render()
    {
        $out = $this->text;
        foreach ($this->arguments as $i => $value) {
            $out = str_replace('%' . ($i + 1), (string) $value, $out);
        }
        return $out;
    }

    public function __toString()
    {
        return $this->render();
    }
}
