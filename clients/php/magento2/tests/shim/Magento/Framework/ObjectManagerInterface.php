<?php

/**
 * Shim of Magento\Framework\ObjectManagerInterface: create(), get(), configure().
 * Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

interface ObjectManagerInterface
{
    /** @param array<string, mixed> $arguments */
    public function create($type, array $arguments = []);

    public function get($type);

    /** @param array<string, mixed> $configuration */
    public function configure(array $configuration);
}
