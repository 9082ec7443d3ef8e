<?php

/**
 * The shim's FeaturesUtil: WooCommerce accepts declarations only while
 * before_woocommerce_init runs, and so does this (anything else is _doing_it_wrong).
 *
 * @package WCShim
 */

namespace Automattic\WooCommerce\Utilities;

defined('ABSPATH') || exit;

/**
 * Feature compatibility declarations, recorded for the tests.
 */
class FeaturesUtil
{
    /**
     * @param string $feature_id
     * @param string $plugin_file
     * @param bool $positive_compatibility
     */
    public static function declare_compatibility($feature_id, $plugin_file, $positive_compatibility = true)
    {
        if (!doing_action('before_woocommerce_init')) {
            _doing_it_wrong(__METHOD__, 'declare_compatibility must be called from before_woocommerce_init', '7.1');
            $GLOBALS['wcshim_declared_late'][] = $feature_id;
            return false;
        }
        $GLOBALS['wcshim_declared'][$feature_id][plugin_basename($plugin_file)] = (bool) $positive_compatibility;
        return true;
    }
}
