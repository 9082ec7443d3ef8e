<?php

/**
 * PrestaShop's Order, OrderState and Validate::isLoadedObject() (classes/order/Order.php,
 * classes/order/OrderState.php, classes/Validate.php), as the hooks hand them over
 * (actionValidateOrder: cart, order, customer, currency, orderStatus; actionOrderStatusUpdate:
 * newOrderStatus, oldOrderStatus, id_order, in the hook reference at
 * https://devdocs.prestashop-project.org/8/modules/concepts/hooks/list-of-hooks/): an
 * ObjectModel loaded by id (`id` stays null when there is no such row) with the
 * `module` column of ps_orders. Tests only.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace


class OrderState
{
    /** @var int|null */
    public $id;

    public function __construct($id = null, $id_lang = null, $id_shop = null)
    {
        $this->id = $id === null ? null : (int) $id;
    }
}
