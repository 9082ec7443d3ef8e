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

class FrontController extends Controller
{
    /** @var bool */
    public $auth = false;
    /** @var bool */
    public $ssl = false;
}
