<?php

/**
 * Shim of Magento\Framework\Event\Manager, as "Events and observers" documents
 * dispatching (https://developer.adobe.com/commerce/php/development/components/events-and-observers/):
 * the observers of etc/events.xml and etc/<area>/events.xml of every registered module,
 * in file order; an observer with disabled="true" is skipped; observers are shared
 * instances unless shared="false"; each gets an Observer whose `event` is an Event with
 * the dispatched data and the event's name. The real manager reads the same files
 * through its config reader and invoker. Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Event;

use Magento\Framework\Event;
use Magento\Framework\ObjectManagerInterface;
use PluginTelemetry\Magento\Tests\Shim\Database;
use PluginTelemetry\Magento\Tests\Shim\ModuleFiles;

class Manager implements ManagerInterface
{
    private ObjectManagerInterface $objectManager;

    public function __construct(ObjectManagerInterface $objectManager)
    {
        $this->objectManager = $objectManager;
    }

    public function dispatch($eventName, array $data = [])
    {
        $eventName = strtolower($eventName);
        foreach (array_unique(['global', Database::$area]) as $area) {
            foreach (ModuleFiles::xml('events.xml', $area) as $xml) {
                foreach ($xml->event as $event) {
                    if (strtolower((string) $event['name']) !== $eventName) {
                        continue;
                    }
                    foreach ($event->observer as $o) {
                        if ((string) $o['disabled'] === 'true') {
                            continue;
                        }
                        $class = (string) $o['instance'];
                        $instance = (string) $o['shared'] === 'false'
                            ? $this->objectManager->create($class)
                            : $this->objectManager->get($class);
                        if (!$instance instanceof ObserverInterface) {
                            throw new \LogicException("{$class} must implement " . ObserverInterface::class);
                        }
                        $e = new Event($data + ['name' => $eventName]);
                        $instance->execute(new Observer(array_merge(['event' => $e], $data)));
                    }
                }
            }
        }
    }
}
