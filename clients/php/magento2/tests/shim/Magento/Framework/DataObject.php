<?php

/**
 * Shim of Magento\Framework\DataObject (lib/internal/Magento/Framework/DataObject.php):
 * getData($key = '', $index = null), setData($key, $value = null), hasData(),
 * unsetData(), and the magic getFooBar()/setFooBar()/hasFooBar()/unsFooBar() on the
 * snake_case key foo_bar, as the class documents. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework;

// Magento's own property name, which subclasses (models) use.
// phpcs:disable PSR2.Classes.PropertyDeclaration.Underscore

class DataObject implements \ArrayAccess
{
    /** @var array<string, mixed> */
    protected $_data = [];

    /** @param array<string, mixed> $data */
    public function __construct(array $data = [])
    {
        $this->_data = $data;
    }

    /** @return mixed */
    public function getData($key = '', $index = null)
    {
        if ($key === '') {
            return $this->_data;
        }
        $value = $this->_data[$key] ?? null;
        if ($index !== null && is_array($value)) {
            return $value[$index] ?? null;
        }
        return $value;
    }

    /** @param string|array<string, mixed> $key */
    public function setData($key, $value = null)
    {
        if ($key === (array) $key) {
            $this->_data = $key;
        } else {
            $this->_data[$key] = $value;
        }
        return $this;
    }

    public function hasData($key = '')
    {
        return $key === '' ? $this->_data !== [] : array_key_exists($key, $this->_data);
    }

    public function unsetData($key = null)
    {
        if ($key === null) {
            $this->_data = [];
        } else {
            unset($this->_data[$key]);
        }
        return $this;
    }

    /** @param list<mixed> $args */
    public function __call($method, $args)
    {
        $key = strtolower((string) preg_replace('/(.)([A-Z])/', '$1_$2', substr($method, 3)));
        switch (substr($method, 0, 3)) {
            case 'get':
                return $this->getData($key, $args[0] ?? null);
            case 'set':
                return $this->setData($key, $args[0] ?? null);
            case 'uns':
                return $this->unsetData($key);
            case 'has':
                return isset($this->_data[$key]);
        }
        throw new \BadMethodCallException('Invalid method ' . static::class . '::' . $method);
    }

    public function offsetExists($offset): bool
    {
        return isset($this->_data[$offset]);
    }

    /** @return mixed */
    #[\ReturnTypeWillChange]
    public function offsetGet($offset)
    {
        return $this->_data[$offset] ?? null;
    }

    public function offsetSet($offset, $value): void
    {
        $this->_data[$offset] = $value;
    }

    public function offsetUnset($offset): void
    {
        unset($this->_data[$offset]);
    }
}
