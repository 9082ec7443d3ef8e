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

use PluginTelemetry\PrestaShop\Tests\Shim\Shop;

abstract class Module
{
    /** @var int|null */
    public $id = null;
    /** @var string */
    public $version;
    /** @var string|null the version recorded in ps_module */
    public $database_version;
    /** @var string */
    public $name;
    /** @var string */
    public $displayName;
    /** @var string */
    public $description;
    /** @var string */
    public $author;
    /** @var string|null */
    public $tab = null;
    /** @var int */
    public $need_instance = 1;
    /** @var bool */
    public $active = false;
    /** @var array<string, string> */
    public $ps_versions_compliancy = [];
    /** @var list<string> */
    public $controllers = [];
    /** @var bool */
    public $bootstrap = false;
    /** @var string */
    public $confirmUninstall = '';
    /** @var string|null */
    public $warning;
    /** @var Context */
    public $context;
    /** @var string */
    protected $local_path;
    /** @var list<string> */
    protected $_errors = [];

    /** @var array<string, Module> */
    private static array $instances = [];

    public function __construct($name = null, ?Context $context = null)
    {
        $this->ps_versions_compliancy += ['min' => '1.4.0.0', 'max' => _PS_VERSION_];
        $this->context = $context ?? Context::getContext();
        if ($this->name === null) {
            $this->name = $name;
        }
        $row = Shop::$modules[$this->name] ?? null;
        if ($row !== null) {
            $this->id = $row['id_module'];
            $this->active = (bool) $row['active'];
            $this->database_version = $row['version'];
        }
        $this->local_path = _PS_MODULE_DIR_ . $this->name . '/';
    }

    public function install()
    {
        if (isset(Shop::$modules[$this->name])) {
            $this->_errors[] = 'This module has already been installed.';
            return false;
        }
        if (
            version_compare(_PS_VERSION_, $this->ps_versions_compliancy['min'], '<')
            || version_compare(_PS_VERSION_, $this->ps_versions_compliancy['max'], '>')
        ) {
            $this->_errors[] = 'The version of your module is not compliant with your PrestaShop version.';
            return false;
        }
        $this->id = Shop::$nextModuleId++;
        Shop::$modules[$this->name] = [
            'id_module' => $this->id,
            'name' => $this->name,
            'active' => 1,
            'version' => (string) $this->version,
        ];
        $this->active = true;
        $this->database_version = (string) $this->version;
        foreach (Shop::$profiles as $profile => $viewsModules) {
            $all = $viewsModules ? 1 : 0;
            Shop::$moduleAccess[$profile][$this->id] = ['view' => 1, 'configure' => $all, 'uninstall' => $all];
        }
        return true;
    }

    public function uninstall()
    {
        if (!isset(Shop::$modules[$this->name])) {
            $this->_errors[] = 'The module is not installed.';
            return false;
        }
        foreach (array_keys(Shop::$hookModules) as $hook) {
            $this->unregisterHook($hook);
        }
        foreach (array_keys(Shop::$moduleAccess) as $profile) {
            unset(Shop::$moduleAccess[$profile][$this->id]);
        }
        unset(Shop::$modules[$this->name]);
        $this->active = false;
        return true;
    }

    /** @param string|list<string> $hook_name */
    public function registerHook($hook_name, $shop_list = null)
    {
        if ($this->id === null) {
            return false;
        }
        foreach ((array) $hook_name as $hook) {
            $key = strtolower((string) $hook);
            Shop::$hookModules[$key] = Shop::$hookModules[$key] ?? [];
            if (!in_array($this->id, Shop::$hookModules[$key], true)) {
                Shop::$hookModules[$key][] = $this->id;
            }
        }
        return true;
    }

    public function unregisterHook($hook_id, $shop_list = null)
    {
        $key = strtolower((string) $hook_id);
        Shop::$hookModules[$key] = array_values(array_filter(
            Shop::$hookModules[$key] ?? [],
            function (int $id): bool {
                return $id !== $this->id;
            }
        ));
        if (Shop::$hookModules[$key] === []) {
            unset(Shop::$hookModules[$key]);
        }
        return true;
    }

    public function isRegisteredInHook($hook)
    {
        return $this->id !== null && in_array($this->id, Shop::$hookModules[strtolower((string) $hook)] ?? [], true);
    }

    public function getPermission($variable, $employee = null)
    {
        if (!in_array($variable, ['view', 'configure', 'uninstall'], true)) {
            return false;
        }
        $employee = $employee ?? $this->context->employee;
        if ($employee === null) {
            return false;
        }
        if ((int) $employee->id_profile === _PS_ADMIN_PROFILE_) {
            return true;
        }
        return (bool) (Shop::$moduleAccess[(int) $employee->id_profile][(int) $this->id][$variable] ?? false);
    }

    public function l($string, $specific = false, $locale = null)
    {
        return $string;
    }

    public function displayError($error)
    {
        return '<div class="module_error alert alert-danger">' . $error . '</div>';
    }

    public function displayConfirmation($string)
    {
        return '<div class="module_confirmation conf confirm alert alert-success">' . $string . '</div>';
    }

    public function getLocalPath()
    {
        return $this->local_path;
    }

    public function getPathUri()
    {
        return __PS_BASE_URI__ . 'modules/' . $this->name . '/';
    }

    /** @return list<string> */
    public function getErrors()
    {
        return $this->_errors;
    }

    /** @return Module|false */
    public static function getInstanceByName($module_name)
    {
        if (!isset(self::$instances[$module_name])) {
            $file = _PS_MODULE_DIR_ . $module_name . '/' . $module_name . '.php';
            if (!is_file($file)) {
                return false;
            }
            require_once $file;
            if (!class_exists($module_name, false)) {
                return false;
            }
            self::$instances[$module_name] = new $module_name();
        }
        return self::$instances[$module_name];
    }

    public static function isInstalled($module_name)
    {
        return isset(Shop::$modules[$module_name]);
    }

    /** Shim only: a new request builds new instances. */
    public static function clearInstances(): void
    {
        self::$instances = [];
    }

    public function runUpgradeModule()
    {
        $from = (string) $this->database_version;
        $files = glob($this->local_path . 'upgrade/upgrade-*.php') ?: [];
        $versions = [];
        foreach ($files as $file) {
            if (preg_match('/upgrade-(\d+(?:\.\d+)*)\.php$/', $file, $m) === 1) {
                $versions[$m[1]] = $file;
            }
        }
        uksort($versions, 'version_compare');
        foreach ($versions as $version => $file) {
            $version = (string) $version;
            if (version_compare($version, $from, '<=') || version_compare($version, (string) $this->version, '>')) {
                continue;
            }
            include_once $file;
            $function = 'upgrade_module_' . str_replace('.', '_', (string) $version);
            if (!function_exists($function) || !$function($this)) {
                $this->_errors[] = "upgrade to {$version} failed";
                return ['success' => false, 'upgraded_to' => $version];
            }
            Shop::$modules[$this->name]['version'] = (string) $version;
            $this->database_version = (string) $version;
        }
        Shop::$modules[$this->name]['version'] = (string) $this->version;
        $this->database_version = (string) $this->version;
        return ['success' => true, 'upgraded_to' => $this->version];
    }
}
