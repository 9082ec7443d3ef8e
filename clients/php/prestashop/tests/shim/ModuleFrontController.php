<?php

/**
 * PrestaShop's front controller chain for a module controller (classes/controller/
 * Controller.php, FrontController.php, ModuleFrontController.php), as the module guide
 * describes front controllers
 * (https://devdocs.prestashop-project.org/8/modules/concepts/controllers/front-controllers/):
 * the dispatcher loads `controllers/front/<name>.php` of `?module=` and instantiates
 * `<Module><Name>ModuleFrontController`; `$this->module` is the module instance; run()
 * calls init(), postProcess(), then displayAjax() when `$ajax` is true (display()
 * otherwise); ajaxRender($value) echoes. No Smarty, no customer session. Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace
// phpcs:disable PSR1.Files.SideEffects

class ModuleFrontController extends FrontController
{
    /** @var Module|false */
    public $module;

    public function __construct()
    {
        $this->module = Module::getInstanceByName((string) Tools::getValue('module'));
        parent::__construct();
    }

    /**
     * Shim only: what index.php?fc=module&module=M&controller=C does, for a module that
     * is installed and active; returns the output.
     */
    public static function dispatch(string $module, string $controller): string
    {
        $row = PluginTelemetry\PrestaShop\Tests\Shim\Shop::$modules[$module] ?? null;
        if ($row === null || !$row['active']) {
            throw new RuntimeException("module {$module} is not installed or not active");
        }
        require_once _PS_MODULE_DIR_ . $module . '/controllers/front/' . $controller . '.php';
        $class = $module . $controller . 'ModuleFrontController';
        $_GET['module'] = $module;
        ob_start();
        try {
            (new $class())->run();
        } finally {
            $out = (string) ob_get_clean();
        }
        return $out;
    }
}
