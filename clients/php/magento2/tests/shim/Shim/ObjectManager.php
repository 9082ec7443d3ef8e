<?php

/**
 * The shim's object manager (Magento\Framework\ObjectManagerInterface), with the rules
 * of "The object manager" and "di.xml" pages of the PHP developer guide
 * (https://developer.adobe.com/commerce/php/development/components/dependency-injection/):
 * constructor injection by type; `<preference for type>`; `<type name><arguments>` with
 * xsi:type array (items string, array, object, boolean, number, null), string, boolean,
 * number, object and null, from etc/di.xml, then etc/<area>/di.xml; get() shares one
 * instance per type, create() makes a new one; configure() takes the same
 * ['preferences' => …, Type => ['arguments' => …]] array as Magento's. No plugins, no
 * virtual types, no generated factories or proxies. Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

use Magento\Framework\ObjectManagerInterface;

final class ObjectManager implements ObjectManagerInterface
{
    /** @var array<string, string> */
    private array $preferences = [];
    /** @var array<string, array<string, mixed>> type => constructor argument => value */
    private array $arguments = [];
    /** @var array<string, object> */
    private array $shared = [];

    public function __construct(string $area)
    {
        $this->shared[ObjectManagerInterface::class] = $this;
        $this->shared[self::class] = $this;
        foreach (array_unique(['global', $area]) as $a) {
            foreach (ModuleFiles::xml('di.xml', $a) as $xml) {
                $this->read($xml);
            }
        }
    }

    public function create($type, array $arguments = [])
    {
        $class = $this->preferences[ltrim($type, '\\')] ?? ltrim($type, '\\');
        if (!class_exists($class)) {
            throw new \LogicException("no class for {$type}");
        }
        $reflection = new \ReflectionClass($class);
        if (!$reflection->isInstantiable()) {
            throw new \LogicException("{$class} is not instantiable (no preference for it?)");
        }
        $constructor = $reflection->getConstructor();
        if ($constructor === null) {
            return new $class();
        }
        $configured = ($this->arguments[$class] ?? []) + ($this->arguments[ltrim($type, '\\')] ?? []);
        $values = [];
        foreach ($constructor->getParameters() as $p) {
            $name = $p->getName();
            $t = $p->getType();
            $typeName = $t instanceof \ReflectionNamedType && !$t->isBuiltin() ? $t->getName() : null;
            if (array_key_exists($name, $arguments)) {
                $values[] = $arguments[$name];
            } elseif (array_key_exists($name, $configured)) {
                $values[] = $this->resolve($configured[$name]);
            } elseif ($typeName !== null) {
                $values[] = $this->get($typeName);
            } elseif ($p->isDefaultValueAvailable()) {
                $values[] = $p->getDefaultValue();
            } else {
                throw new \LogicException("{$class}: no value for constructor argument \${$name}");
            }
        }
        return $reflection->newInstanceArgs($values);
    }

    public function get($type)
    {
        $type = ltrim($type, '\\');
        if (!isset($this->shared[$type])) {
            $this->shared[$type] = $this->create($type);
        }
        return $this->shared[$type];
    }

    public function configure(array $configuration)
    {
        foreach ($configuration as $key => $value) {
            if ($key === 'preferences') {
                foreach ($value as $for => $class) {
                    $this->preferences[ltrim($for, '\\')] = ltrim($class, '\\');
                }
            } else {
                foreach ($value['arguments'] ?? [] as $name => $argument) {
                    $this->arguments[ltrim($key, '\\')][$name] = ['value' => $argument];
                }
            }
        }
    }

    /** Shim only: this instance, as get() will answer it (a service the test built). */
    public function share(string $type, object $instance): void
    {
        $this->shared[ltrim($type, '\\')] = $instance;
    }

    private function read(\SimpleXMLElement $xml): void
    {
        foreach ($xml->preference as $p) {
            $this->preferences[ltrim((string) $p['for'], '\\')] = ltrim((string) $p['type'], '\\');
        }
        foreach ($xml->type as $t) {
            foreach ($t->arguments->argument ?? [] as $a) {
                $name = (string) $a['name'];
                $type = ltrim((string) $t['name'], '\\');
                $value = self::argument($a);
                $old = $this->arguments[$type][$name] ?? null;
                // Arrays merge across di.xml files, as Magento merges them.
                if (is_array($old) && isset($old['array']) && isset($value['array'])) {
                    $value['array'] = $value['array'] + $old['array'];
                }
                $this->arguments[$type][$name] = $value;
            }
        }
    }

    /** @return array<string, mixed> a parsed argument: ['value' => v] | ['object' => class] | ['array' => [...]] */
    private static function argument(\SimpleXMLElement $node): array
    {
        $xsiType = (string) $node->attributes('http://www.w3.org/2001/XMLSchema-instance')['type'];
        switch ($xsiType) {
            case 'array':
                $items = [];
                foreach ($node->item as $item) {
                    $items[(string) $item['name']] = self::argument($item);
                }
                return ['array' => $items];
            case 'object':
                return ['object' => ltrim(trim((string) $node), '\\')];
            case 'boolean':
                return ['value' => in_array(strtolower(trim((string) $node)), ['1', 'true'], true)];
            case 'number':
                return ['value' => trim((string) $node) + 0];
            case 'null':
                return ['value' => null];
            default:
                return ['value' => trim((string) $node)];
        }
    }

    /** @param array<string, mixed> $argument @return mixed */
    private function resolve(array $argument)
    {
        if (array_key_exists('value', $argument)) {
            return $argument['value'];
        }
        if (isset($argument['object'])) {
            return $this->get($argument['object']);
        }
        return array_map(function (array $item) {
            return $this->resolve($item);
        }, $argument['array']);
    }
}
