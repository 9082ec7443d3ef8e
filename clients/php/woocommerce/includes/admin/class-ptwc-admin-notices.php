<?php

/**
 * What Ops tells the merchant, the WordPress way (admin_notices), from local verified
 * state only:
 *
 * - the kill switch on: an error notice (not dismissible: it ends when Ops lifts it);
 * - a mandatory update (signed force_update toggle, or upgrade advice marked required):
 *   an error notice that cannot be dismissed, with the version and the update link;
 * - in-app notices (Ops upgrade notices): dismissible. Dismissing one (the X, through
 *   admin-ajax, or the "Dismiss" link without JavaScript, through admin-post) calls
 *   TelemetryClient::acknowledgeNotice(), which hides it at once and sends
 *   notice_acknowledged (Ops then stops its e-mail and SMS escalation). Both paths
 *   check the capability and a nonce bound to the notice.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * Admin notices and their dismissal.
 */
final class PTWC_Admin_Notices
{
    public const DISMISS_ACTION = 'ptwc_dismiss_notice';

    /** @var PTWC_Plugin */
    private $plugin;

    public function __construct(PTWC_Plugin $plugin)
    {
        $this->plugin = $plugin;
    }

    public function register(): void
    {
        add_action('admin_notices', array($this, 'show'));
        add_action('admin_post_' . self::DISMISS_ACTION, array($this, 'dismiss'));
        add_action('wp_ajax_' . self::DISMISS_ACTION, array($this, 'dismiss'));
        add_action('admin_enqueue_scripts', array($this, 'enqueue'));
    }

    public function show(): void
    {
        if (!current_user_can('manage_woocommerce')) {
            return;
        }
        $client = $this->plugin->client();
        if ($client === null) {
            return;
        }
        if ($client->isBlocked()) {
            echo '<div class="notice notice-error ptwc-blocked"><p>' . esc_html__('Payments through the platform\'s gateway are switched off by its operations team; your other payment methods still work. Contact the platform\'s support.', 'plugin-telemetry-woocommerce') . '</p></div>';
        }
        $this->show_mandatory_update($client->toggle('force_update') === true, $client->upgradeAdvice());
        foreach ($client->pendingNotices() as $notice) {
            $this->show_notice($notice);
        }
    }

    /**
     * admin-post.php and admin-ajax.php: acknowledge one notice.
     */
    public function dismiss(): void
    {
        $ajax = wp_doing_ajax();
        if (!current_user_can('manage_woocommerce')) {
            wp_die(esc_html__('You are not allowed to dismiss this notice.', 'plugin-telemetry-woocommerce'), 403);
        }
        $id = isset($_REQUEST['notice_id']) ? sanitize_text_field(wp_unslash($_REQUEST['notice_id'])) : '';
        $nonce = isset($_REQUEST['_wpnonce']) ? sanitize_text_field(wp_unslash($_REQUEST['_wpnonce'])) : '';
        if ($id === '' || !wp_verify_nonce($nonce, self::nonce_action($id))) {
            wp_die(esc_html__('The notice was not dismissed: the link expired.', 'plugin-telemetry-woocommerce'), 403);
        }
        $client = $this->plugin->client();
        $result = $client === null ? null : $client->acknowledgeNotice($id);
        if ($ajax) {
            wp_send_json_success($result === null ? null : $result->toArray());
        }
        $back = wp_get_referer();
        wp_safe_redirect($back !== false ? $back : admin_url());
        exit;
    }

    public function enqueue(): void
    {
        if (!current_user_can('manage_woocommerce')) {
            return;
        }
        $client = $this->plugin->client();
        if ($client === null || $client->pendingNotices() === array()) {
            return;
        }
        wp_enqueue_script(
            'ptwc-admin-notices',
            plugins_url('assets/ptwc-admin-notices.js', PTWC_PLUGIN_FILE),
            array(),
            PTWC_VERSION,
            true
        );
        wp_localize_script('ptwc-admin-notices', 'ptwcNotices', array('ajaxUrl' => admin_url('admin-ajax.php')));
    }

    /** @param array<string, mixed>|null $advice */
    private function show_mandatory_update(bool $forced, ?array $advice): void
    {
        $required = is_array($advice) && !empty($advice['required']);
        if (!$forced && !$required) {
            return;
        }
        $version = is_array($advice) && isset($advice['latest_version']) ? (string) $advice['latest_version'] : '';
        $text = $version !== ''
            /* translators: %s: a version number */
            ? sprintf(__('A mandatory update of Plugin Telemetry for WooCommerce (version %s) must be installed now.', 'plugin-telemetry-woocommerce'), $version)
            : __('A mandatory update of Plugin Telemetry for WooCommerce must be installed now.', 'plugin-telemetry-woocommerce');
        $links = '';
        if (current_user_can('update_plugins')) {
            $links .= ' <a href="' . esc_url(admin_url('plugins.php?plugin_status=upgrade')) . '">' . esc_html__('Update now', 'plugin-telemetry-woocommerce') . '</a>';
        }
        if (is_array($advice) && !empty($advice['package_url']) && is_string($advice['package_url'])) {
            $links .= ' <a href="' . esc_url($advice['package_url']) . '">' . esc_html__('Download the release', 'plugin-telemetry-woocommerce') . '</a>';
        }
        echo '<div class="notice notice-error ptwc-mandatory-update"><p><strong>' . esc_html($text) . '</strong>' . $links . '</p></div>'; // phpcs:ignore -- $links is built from escaped parts above
    }

    /** @param array<string, mixed> $notice */
    private function show_notice(array $notice): void
    {
        $id = (string) $notice['notice_id'];
        $message = isset($notice['message']) && is_string($notice['message']) && $notice['message'] !== ''
            ? $notice['message']
            /* translators: %s: a version number */
            : sprintf(__('Version %s of Plugin Telemetry for WooCommerce is available.', 'plugin-telemetry-woocommerce'), (string) ($notice['to_version'] ?? ''));
        $class = !empty($notice['critical']) ? 'notice-error' : 'notice-warning';
        $nonce = wp_create_nonce(self::nonce_action($id));
        $url = add_query_arg(
            array('action' => self::DISMISS_ACTION, 'notice_id' => rawurlencode($id), '_wpnonce' => $nonce),
            admin_url('admin-post.php')
        );
        printf(
            '<div class="notice %1$s is-dismissible ptwc-notice" data-ptwc-notice="%2$s" data-ptwc-nonce="%3$s"><p>%4$s <a class="ptwc-dismiss" href="%5$s">%6$s</a></p></div>',
            esc_attr($class),
            esc_attr($id),
            esc_attr($nonce),
            esc_html($message),
            esc_url($url),
            esc_html__('Dismiss', 'plugin-telemetry-woocommerce')
        );
    }

    private static function nonce_action(string $id): string
    {
        return self::DISMISS_ACTION . '_' . $id;
    }
}
