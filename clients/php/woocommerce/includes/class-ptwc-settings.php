<?php

/**
 * The merchant's settings (includes/admin/ptwc-settings.php declares the fields): one
 * non-autoloaded option, read once per request, sanitised field by field on save.
 *
 * @package PTWC
 */

defined('ABSPATH') || exit;

/**
 * Settings values and their sanitising.
 */
final class PTWC_Settings
{
    public const OPTION = 'ptwc_settings';

    /** @var array<string, array<string, mixed>>|null */
    private $fields = null;

    /** @var array<string, mixed>|null */
    private $values = null;

    /** @return array<string, array<string, mixed>> */
    public function fields(): array
    {
        if ($this->fields === null) {
            $this->fields = require __DIR__ . '/admin/ptwc-settings.php';
        }
        return $this->fields;
    }

    /**
     * Every field's value (the default where none is saved): consent (bool), api_key,
     * merchant_id, endpoint (strings).
     *
     * @return array<string, mixed>
     */
    public function all(): array
    {
        if ($this->values !== null) {
            return $this->values;
        }
        $stored = get_option(self::OPTION, array());
        $stored = is_array($stored) ? $stored : array();
        $values = array();
        foreach ($this->fields() as $key => $field) {
            $value = array_key_exists($key, $stored) ? $stored[$key] : $field['default'];
            $values[$key] = $field['type'] === 'checkbox' ? ($value === true) : (is_string($value) ? $value : '');
        }
        if ($values['endpoint'] === '') {
            $values['endpoint'] = PTWC_Release::default_endpoint();
        }
        $this->values = $values;
        return $values;
    }

    public function has_consent(): bool
    {
        return $this->all()['consent'] === true;
    }

    /**
     * Sanitises what the form posted (already unslashed) against the saved values.
     * A field that does not validate keeps its saved value and names the error.
     *
     * @param array<string, mixed> $posted raw field values by key
     * @return array{0: array<string, mixed>, 1: list<string>} the values to save, the errors
     */
    public function sanitize(array $posted): array
    {
        $current = $this->all();
        $next = $current;
        $errors = array();
        foreach ($this->fields() as $key => $field) {
            $raw = isset($posted[$key]) && is_string($posted[$key]) ? $posted[$key] : '';
            switch ($field['type']) {
                case 'checkbox':
                    $next[$key] = in_array($raw, array('1', 'yes', 'on'), true);
                    break;
                case 'password':
                    $raw = trim(sanitize_text_field($raw));
                    if ($raw !== '') {
                        $next[$key] = substr($raw, 0, 256);
                    }
                    break;
                case 'uuid':
                    $raw = strtolower(trim(sanitize_text_field($raw)));
                    if ($raw === '' || preg_match('/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/', $raw)) {
                        $next[$key] = $raw;
                    } else {
                        /* translators: %s: the field's title */
                        $errors[] = sprintf(__('%s is not a valid id; the saved value is kept.', 'plugin-telemetry-woocommerce'), $field['title']);
                    }
                    break;
                case 'url':
                    $url = esc_url_raw(trim($raw), array('http', 'https'));
                    if (trim($raw) === '') {
                        $next[$key] = $field['default'];
                    } elseif ($url !== '' && is_string(wp_parse_url($url, PHP_URL_HOST))) {
                        $next[$key] = untrailingslashit($url);
                    } else {
                        /* translators: %s: the field's title */
                        $errors[] = sprintf(__('%s must be an http(s) address; the saved value is kept.', 'plugin-telemetry-woocommerce'), $field['title']);
                    }
                    break;
            }
        }
        return array($next, $errors);
    }

    /** @param array<string, mixed> $values sanitised (see sanitize) */
    public function save(array $values): void
    {
        $stored = array();
        foreach ($this->fields() as $key => $field) {
            $stored[$key] = $values[$key];
        }
        if (get_option(self::OPTION, false) === false) {
            add_option(self::OPTION, $stored, '', 'no');
        } else {
            update_option(self::OPTION, $stored, 'no');
        }
        $this->values = null;
    }
}
