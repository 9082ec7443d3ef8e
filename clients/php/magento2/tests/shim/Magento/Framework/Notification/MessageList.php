<?php

/**
 * Shim of Magento\Framework\Notification\MessageList: the `messages` argument (name =>
 * class, from every module's adminhtml di.xml) instantiated through the object manager;
 * asArray() and getMessageByIdentity(). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\Notification;

use Magento\Framework\ObjectManagerInterface;

class MessageList
{
    private ObjectManagerInterface $objectManager;
    /** @var array<string, string> */
    private array $messageClasses;
    /** @var array<string, MessageInterface>|null */
    private ?array $messages = null;

    /** @param array<string, string> $messages */
    public function __construct(ObjectManagerInterface $objectManager, $messages = [])
    {
        $this->objectManager = $objectManager;
        $this->messageClasses = $messages;
    }

    /** @return array<string, MessageInterface> by identity */
    public function asArray()
    {
        if ($this->messages === null) {
            $this->messages = [];
            foreach ($this->messageClasses as $class) {
                $message = $this->objectManager->get($class);
                if (!$message instanceof MessageInterface) {
                    throw new \InvalidArgumentException("{$class} does not implement MessageInterface");
                }
                $this->messages[$message->getIdentity()] = $message;
            }
        }
        return $this->messages;
    }

    public function getMessageByIdentity($identity)
    {
        return $this->asArray()[$identity] ?? null;
    }
}
