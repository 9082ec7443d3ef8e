<?php

/**
 * PrestaShop's Context, Employee and Link (classes/Context.php, classes/Employee.php,
 * classes/Link.php), the parts the module uses: Context::getContext() with `employee`,
 * `link` and `shop`; an employee's `id` and `id_profile`; Link::getAdminLink($controller,
 * $withToken, $sfRouteParams, $params) (PrestaShop >= 1.7.5 signature) and
 * Link::getModuleLink($module, $controller, $params, $ssl), as in the Link class
 * reference (https://devdocs.prestashop-project.org/8/development/components/link/).
 * URLs are shaped like PrestaShop's legacy ones; the host is the shop's domain. Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace
// phpcs:disable PSR1.Files.SideEffects


class Employee
{
    /** @var int */
    public $id;
    /** @var int */
    public $id_profile;

    public function __construct($id = null, $idProfile = _PS_ADMIN_PROFILE_)
    {
        $this->id = (int) $id;
        $this->id_profile = (int) $idProfile;
    }
}
