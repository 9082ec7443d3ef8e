<?php

/**
 * The admin router, as "Routing" documents it
 * (https://developer.adobe.com/commerce/php/development/components/routing/):
 * `/admin/<frontName>/<controller>/<action>/...` is the class
 * `<Module namespace>\Controller\Adminhtml\<Controller>\<Action>` of the module whose
 * etc/adminhtml/routes.xml declares that frontName on the `admin` router; the action,
 * built by the object manager with a backend Context for this request, is dispatched.
 * Not a Magento class. Tests only.
 */

declare(strict_types=1);

namespace PluginTelemetry\Magento\Tests\Shim;

use Magento\Backend\App\Action\Context;
use Magento\Framework\App\Request\Http;

final class AdminRouter
{
    private ObjectManager $objectManager;

    public function __construct(ObjectManager $objectManager)
    {
        $this->objectManager = $objectManager;
    }

    /** @return mixed the action's result */
    public function dispatch(string $url, string $method = 'GET')
    {
        $request = Http::fromAdminUrl($url, $method);
        $module = null;
        foreach ((new \Magento\Framework\Component\ComponentRegistrar())->getPaths('module') as $name => $dir) {
            foreach (ModuleFiles::xml('routes.xml', 'adminhtml') as $xml) {
                foreach ($xml->xpath('//router[@id="admin"]/route') ?: [] as $route) {
                    $front = (string) $route['frontName'];
                    if ($front === $request->getRouteName() && (string) $route->module['name'] === $name) {
                        $module = $name;
                    }
                }
            }
        }
        if ($module === null) {
            return ['denied' => 404];
        }
        $class = str_replace('_', '\\', $module) . '\\Controller\\Adminhtml\\'
            . ucfirst($request->getControllerName()) . '\\' . ucfirst($request->getActionName());
        if (!class_exists($class)) {
            return ['denied' => 404];
        }
        $context = $this->objectManager->create(Context::class, ['request' => $request]);
        $action = $this->objectManager->create($class, ['context' => $context]);
        return $action->dispatch($request);
    }
}
