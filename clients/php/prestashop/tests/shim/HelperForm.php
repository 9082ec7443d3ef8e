<?php

/**
 * PrestaShop's HelperForm (classes/helper/HelperForm.php), as documented at
 * https://devdocs.prestashop-project.org/8/development/components/helpers/helperform/:
 * the public properties a module sets (module, name_controller, table, identifier,
 * token, currentIndex, submit_action, fields_value, default_form_language,
 * show_toolbar) and generateForm($fields_form), which renders one <form> posting to
 * `currentIndex&token=…` with a field per input and the submit button named
 * `submit_action`. The real helper renders Smarty templates; this one writes plain
 * HTML with the same names and values, enough to read back what the page offers.
 */

declare(strict_types=1);

// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace

class HelperForm
{
    /** @var Module */
    public $module;
    /** @var string */
    public $name_controller = '';
    /** @var string */
    public $table = 'configuration';
    /** @var string */
    public $identifier = '';
    /** @var string|false */
    public $token;
    /** @var string */
    public $currentIndex = '';
    /** @var string */
    public $submit_action = '';
    /** @var array<string, mixed> */
    public $fields_value = [];
    /** @var int */
    public $default_form_language = 1;
    /** @var bool */
    public $allow_employee_form_lang = false;
    /** @var bool */
    public $show_toolbar = true;

    /** @param list<array{form: array<string, mixed>}> $fields_form */
    public function generateForm($fields_form)
    {
        $e = static function ($v): string {
            return htmlspecialchars((string) $v, ENT_QUOTES, 'UTF-8');
        };
        $html = '<form method="post" action="' . $e($this->currentIndex . '&token=' . $this->token) . '">';
        foreach ($fields_form as $fieldset) {
            $form = $fieldset['form'];
            $html .= '<fieldset><legend>' . $e($form['legend']['title'] ?? '') . '</legend>';
            if (isset($form['description'])) {
                $html .= '<p class="description">' . $e($form['description']) . '</p>';
            }
            foreach ($form['input'] ?? [] as $input) {
                $name = (string) $input['name'];
                $value = $this->fields_value[$name] ?? '';
                $html .= '<label>' . $e($input['label'] ?? '') . '</label>';
                switch ($input['type']) {
                    case 'switch':
                        foreach ($input['values'] as $option) {
                            $checked = (string) $option['value'] === (string) $value ? ' checked' : '';
                            $html .= '<input type="radio" name="' . $e($name) . '" value="' . $e($option['value']) . '"'
                                . $checked . '>';
                        }
                        break;
                    case 'html':
                        $html .= (string) ($input['html_content'] ?? '');
                        break;
                    default:
                        $html .= '<input type="' . $e($input['type']) . '" name="' . $e($name)
                            . '" value="' . $e($value) . '">';
                }
                if (isset($input['desc'])) {
                    $html .= '<p class="help-block">' . $e($input['desc']) . '</p>';
                }
            }
            $html .= '<button type="submit" name="' . $e($this->submit_action) . '">'
                . $e($form['submit']['title'] ?? 'Save') . '</button></fieldset>';
        }
        return $html . '</form>';
    }
}
