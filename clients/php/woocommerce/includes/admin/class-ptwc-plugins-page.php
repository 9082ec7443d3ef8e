<?php

/**
 * The Plugins screen: a Settings link next to Deactivate.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * Plugin action links.
 */
final class PTWC_Plugins_Page
{
    public function register(): void
    {
        add_filter('plugin_action_links_' . plugin_basename(PTWC_PLUGIN_FILE), array($this, 'action_links'));
    }

    /**
     * @param mixed $links
     * @return mixed
     */
    public function action_links($links)
    {
        if (!is_array($links) || !current_user_can('manage_woocommerce')) {
            return $links;
        }
        $url = admin_url('admin.php?page=wc-settings&tab=' . PTWC_Admin_Settings::TAB);
        array_unshift($links, '<a href="' . esc_url($url) . '">' . esc_html__('Settings', 'plugin-telemetry-woocommerce') . '</a>');
        return $links;
    }
}
