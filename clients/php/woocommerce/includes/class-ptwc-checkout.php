<?php

/**
 * The checkout side: the kill switch and the payment counts. Both read or write local
 * state only, never the network: a checkout never waits for telemetry.
 *
 * - `woocommerce_available_payment_gateways`: while a verified, unexpired block_plugin
 *   is on, the platform's gateways are not offered (the shop's other payment methods
 *   stay). A gateway can also ask ptwc_payments_blocked() in its own is_available().
 * - `woocommerce_payment_complete` and `woocommerce_order_status_failed` (WooCommerce's
 *   documented order hooks; orders are read with wc_get_order(), so HPOS tables work):
 *   counted for the platform's gateways only, in PTWC_Tally, written at shutdown.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * Kill switch and payment counts.
 */
final class PTWC_Checkout
{
    /** The error code of a failed payment (the order's id and customer are never sent). */
    public const PAYMENT_FAILED = 'payment_failed';

    /** @var PTWC_Plugin */
    private $plugin;

    public function __construct(PTWC_Plugin $plugin)
    {
        $this->plugin = $plugin;
    }

    public function register(): void
    {
        add_filter('woocommerce_available_payment_gateways', array($this, 'hide_blocked_gateways'), 100);
        add_action('woocommerce_payment_complete', array($this, 'count_payment_complete'), 10, 1);
        add_action('woocommerce_order_status_failed', array($this, 'count_payment_failed'), 10, 2);
    }

    /**
     * The platform's gateway ids (the gateway plugin this adapter ships with).
     *
     * @return list<string>
     */
    public static function gateway_ids(): array
    {
        /**
         * The payment gateway ids the kill switch hides and whose orders are counted.
         *
         * @param list<string> $ids
         */
        $ids = apply_filters('ptwc_gateway_ids', array('molam'));
        return is_array($ids) ? array_values(array_filter($ids, 'is_string')) : array();
    }

    /**
     * @param mixed $gateways id => WC_Payment_Gateway
     * @return mixed
     */
    public function hide_blocked_gateways($gateways)
    {
        if (!is_array($gateways) || !$this->plugin->is_blocked()) {
            return $gateways;
        }
        foreach (self::gateway_ids() as $id) {
            unset($gateways[$id]);
        }
        return $gateways;
    }

    /** @param mixed $order_id */
    public function count_payment_complete($order_id): void
    {
        if (!PTWC_Plugin::retired() && $this->plugin->settings()->has_consent() && $this->is_ours($this->order($order_id))) {
            $this->plugin->tally()->count_request();
        }
    }

    /**
     * @param mixed $order_id
     * @param mixed $order WC_Order (WooCommerce >= 3.0 passes it)
     */
    public function count_payment_failed($order_id, $order = null): void
    {
        if (PTWC_Plugin::retired() || !$this->plugin->settings()->has_consent()) {
            return;
        }
        $order = is_object($order) ? $order : $this->order($order_id);
        if ($this->is_ours($order)) {
            $this->plugin->tally()->count_error(self::PAYMENT_FAILED, 'gateway ' . $order->get_payment_method());
        }
    }

    /**
     * @param mixed $order_id
     * @return mixed
     */
    private function order($order_id)
    {
        return function_exists('wc_get_order') ? wc_get_order($order_id) : null;
    }

    /** @param mixed $order */
    private function is_ours($order): bool
    {
        return is_object($order) && method_exists($order, 'get_payment_method')
            && in_array($order->get_payment_method(), self::gateway_ids(), true);
    }
}
