<?php

/**
 * PrestaShop's Module, PaymentModule and Hook (classes/module/Module.php,
 * classes/PaymentModule.php, classes/Hook.php), the behaviour the module relies on, as
 * documented in the module guide (https://devdocs.prestashop-project.org/8/modules/creation/,
 * "Module class", "install()/uninstall()", "Hooks", "Upgrading a module") and in the
 * classes' docblocks:
 *
 * - the constructor loads the module's row (`id`, `active`, installed `database_version`)
 *   and sets the local path `_PS_MODULE_DIR_/<name>/`;
 * - install() refuses a second install and an incompatible PrestaShop version, inserts
 *   the row and enables it; profiles that may view AdminModules may view, configure and
 *   uninstall it, the others only view it (ps_module_access);
 * - uninstall() unregisters every hook of the module and deletes its row; it does NOT
 *   delete Configuration values (the module must);
 * - registerHook() takes a name or an array of names; unregisterHook() a name or id;
 * - getPermission($variable) is true for the SuperAdmin profile, else per
 *   ps_module_access ('view', 'configure', 'uninstall');
 * - Module::getInstanceByName() includes `<name>/<name>.php` and caches the instance
 *   for the request;
 * - runUpgradeModule() includes every upgrade/upgrade-X.Y.Z.php newer than the
 *   installed version (and not newer than the files'), in version order, calls
 *   upgrade_module_X_Y_Z($module) and records the new version when all succeed;
 * - Hook::exec($name, $args, $idModule, $arrayReturn) calls hook<Name>($args) on each
 *   active module registered on the hook; with $arrayReturn the results by module name,
 *   else the string results concatenated.
 *
 * No translations (l() returns its text), no multistore, no Smarty. Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace
// phpcs:disable PSR1.Files.SideEffects
// phpcs:disable PSR2.Classes.PropertyDeclaration.Underscore


abstract class PaymentModule extends Module
{
    /** @var bool */
    public $currencies = true;
    /** @var string */
    public $currencies_mode = 'checkbox';
}
