<?php

/**
 * The WooCommerce > Settings > Telemetry tab. WooCommerce renders the form around it and
 * checks its own nonce (`woocommerce-settings`) before calling the save hook; this class
 * checks again, by itself, the capability (manage_woocommerce) and a nonce of its own,
 * so the settings never change through a request that WooCommerce did not vet or that
 * was forged. Values are sanitised field by field (PTWC_Settings::sanitize).
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * Settings tab.
 */
final class PTWC_Admin_Settings
{
    public const TAB = 'plugin_telemetry';
    public const NONCE_ACTION = 'ptwc_save_settings';
    public const NONCE_FIELD = 'ptwc_settings_nonce';
    /** Form fields are named ptwc_<key>. */
    public const FIELD_PREFIX = 'ptwc_';

    /** @var PTWC_Plugin */
    private $plugin;

    public function __construct(PTWC_Plugin $plugin)
    {
        $this->plugin = $plugin;
    }

    public function register(): void
    {
        add_filter('woocommerce_settings_tabs_array', array($this, 'add_tab'), 50);
        add_action('woocommerce_settings_' . self::TAB, array($this, 'render'));
        add_action('woocommerce_update_options_' . self::TAB, array($this, 'save'));
    }

    /**
     * @param mixed $tabs
     * @return mixed
     */
    public function add_tab($tabs)
    {
        if (is_array($tabs)) {
            $tabs[self::TAB] = __('Telemetry', 'plugin-telemetry-woocommerce');
        }
        return $tabs;
    }

    public function render(): void
    {
        if (!current_user_can('manage_woocommerce')) {
            return;
        }
        $values = $this->plugin->settings()->all();
        echo '<h2>' . esc_html__('Plugin telemetry', 'plugin-telemetry-woocommerce') . '</h2>';
        $this->render_status($values);
        echo '<table class="form-table" role="presentation"><tbody>';
        foreach ($this->plugin->settings()->fields() as $key => $field) {
            $this->render_field($key, $field, $values[$key]);
        }
        echo '</tbody></table>';
        wp_nonce_field(self::NONCE_ACTION, self::NONCE_FIELD);
    }

    /**
     * WooCommerce's save hook for this tab (after its own check_admin_referer).
     */
    public function save(): void
    {
        if (!current_user_can('manage_woocommerce')) {
            wp_die(esc_html__('You are not allowed to change these settings.', 'plugin-telemetry-woocommerce'), 403);
        }
        $nonce = isset($_POST[self::NONCE_FIELD]) ? sanitize_text_field(wp_unslash($_POST[self::NONCE_FIELD])) : '';
        if (!wp_verify_nonce($nonce, self::NONCE_ACTION)) {
            wp_die(esc_html__('The settings were not saved: the form expired or did not come from this site.', 'plugin-telemetry-woocommerce'), 403);
        }
        $posted = array();
        foreach ($this->plugin->settings()->fields() as $key => $field) {
            $name = self::FIELD_PREFIX . $key;
            // Sanitised per field type in PTWC_Settings::sanitize().
            $posted[$key] = isset($_POST[$name]) && is_string($_POST[$name]) ? wp_unslash($_POST[$name]) : ''; // phpcs:ignore
        }
        $before = $this->plugin->settings()->has_consent();
        list($values, $errors) = $this->plugin->settings()->sanitize($posted);
        $this->plugin->settings()->save($values);
        $this->plugin->reset_client();
        $client = $this->plugin->client();
        if ($client !== null && $before && $values['consent'] !== true) {
            $client->setConsent(false); // withdrawn: the queued events are dropped
        }
        if ($values['consent'] === true && !$before) {
            PTWC_Scheduler::schedule_now();
        }
        foreach ($errors as $error) {
            if (class_exists('WC_Admin_Settings')) {
                WC_Admin_Settings::add_error($error);
            }
        }
    }

    /** @param array<string, mixed> $values */
    private function render_status(array $values): void
    {
        $error = $this->plugin->client_error();
        $client = $this->plugin->client();
        if ($values['consent'] !== true) {
            $status = __('Telemetry is off: nothing is sent until you opt in below.', 'plugin-telemetry-woocommerce');
        } elseif ($error !== null) {
            $status = $error;
        } else {
            $status = __('Telemetry is on.', 'plugin-telemetry-woocommerce');
        }
        echo '<p class="ptwc-status">' . esc_html($status) . '</p>';
        if ($client !== null) {
            echo '<p class="ptwc-installation">' . esc_html(sprintf(
                /* translators: %s: a UUID */
                __('Installation id: %s', 'plugin-telemetry-woocommerce'),
                $client->installationId()
            )) . '</p>';
            if ($client->isBlocked()) {
                echo '<p class="ptwc-blocked"><strong>' . esc_html__('Payments through the platform\'s gateway are switched off by its operations team.', 'plugin-telemetry-woocommerce') . '</strong></p>';
            }
        }
    }

    /**
     * @param array<string, mixed> $field
     * @param mixed $value
     */
    private function render_field(string $key, array $field, $value): void
    {
        $id = self::FIELD_PREFIX . $key;
        echo '<tr><th scope="row"><label for="' . esc_attr($id) . '">' . esc_html($field['title']) . '</label></th><td>';
        switch ($field['type']) {
            case 'checkbox':
                echo '<label><input type="checkbox" id="' . esc_attr($id) . '" name="' . esc_attr($id) . '" value="1"'
                    . checked($value === true, true, false) . '> ' . esc_html($field['label']) . '</label>';
                break;
            case 'password':
                // The saved key is never printed back.
                $placeholder = $value !== '' ? __('saved (leave blank to keep)', 'plugin-telemetry-woocommerce') : '';
                echo '<input type="password" class="regular-text" autocomplete="off" id="' . esc_attr($id) . '" name="'
                    . esc_attr($id) . '" value="" placeholder="' . esc_attr($placeholder) . '">';
                break;
            default:
                echo '<input type="' . ($field['type'] === 'url' ? 'url' : 'text') . '" class="regular-text" id="' . esc_attr($id)
                    . '" name="' . esc_attr($id) . '" value="' . esc_attr((string) $value) . '">';
        }
        echo '<p class="description">' . esc_html($field['description']) . '</p></td></tr>';
    }
}
