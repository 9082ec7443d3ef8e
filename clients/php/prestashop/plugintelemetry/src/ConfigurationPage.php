<?php

declare(strict_types=1);

namespace PluginTelemetry\PrestaShop;

use Configuration;
use HelperForm;
use Module;
use PluginTelemetry\Core\AfterResponse;
use PluginTelemetry\Core\CallResult;
use PluginTelemetry\Core\Uuid;
use Tools;

/**
 * The module's configuration page (Modules > Platform payments > Configure), a
 * HelperForm: consent, ingest URL, API key, merchant id, and the cron URL to schedule.
 * It also takes the dismiss links of the back-office notices.
 *
 * Both actions change the shop's settings or tell ingest something, so both first
 * check the request's token (AdminModules' own, which the back office puts in every
 * link and form of the page) and that the employee may configure the module; a
 * request failing either changes nothing.
 */
final class ConfigurationPage
{
    public const SUBMIT = 'submitPluginTelemetry';
    public const DISMISS_PARAM = 'plugintelemetryDismiss';

    private Module $module;
    private Settings $settings;
    private ClientFactory $factory;
    private AfterResponse $afterResponse;

    public function __construct(
        Module $module,
        Settings $settings,
        ClientFactory $factory,
        AfterResponse $afterResponse
    ) {
        $this->module = $module;
        $this->settings = $settings;
        $this->factory = $factory;
        $this->afterResponse = $afterResponse;
    }

    /** Handles a submitted form or a dismiss link; returns the messages to show. */
    public function handle(): string
    {
        $dismiss = (string) Tools::getValue(self::DISMISS_PARAM, '');
        if (!Tools::isSubmit(self::SUBMIT) && $dismiss === '') {
            return '';
        }
        $refusal = $this->refusal();
        if ($refusal !== null) {
            return $this->module->displayError($refusal);
        }
        return $dismiss !== '' ? $this->dismiss($dismiss) : $this->save();
    }

    public function render(): string
    {
        $name = $this->module->name;
        $link = \Context::getContext()->link;
        $helper = new HelperForm();
        $helper->module = $this->module;
        $helper->name_controller = $name;
        $helper->table = $name;
        $helper->identifier = 'id_module';
        $helper->token = Tools::getAdminTokenLite('AdminModules');
        $helper->currentIndex = $link->getAdminLink('AdminModules', false, [], ['configure' => $name]);
        $helper->submit_action = self::SUBMIT;
        $helper->show_toolbar = false;
        $helper->default_form_language = (int) Configuration::get('PS_LANG_DEFAULT');
        $helper->fields_value = [
            Settings::CONSENT => $this->settings->consent() ? 1 : 0,
            Settings::INGEST_URL => $this->settings->ingestUrl(),
            Settings::API_KEY => '', // never shown back
            Settings::MERCHANT_ID => (string) $this->settings->merchantId(),
        ];
        $cronUrl = $link->getModuleLink($name, 'cron', ['token' => $this->settings->cronToken()], true);
        $problem = $this->factory->problem();
        return $helper->generateForm([[
            'form' => [
                'legend' => ['title' => $this->module->l('Telemetry'), 'icon' => 'icon-cogs'],
                'description' => $problem === null
                    ? $this->module->l('Telemetry is configured.')
                    : $this->module->l('Telemetry is off:') . ' ' . $problem,
                'input' => [
                    [
                        'type' => 'switch',
                        'label' => $this->module->l('Send telemetry'),
                        'name' => Settings::CONSENT,
                        'is_bool' => true,
                        'desc' => $this->module->l(
                            'Off until you turn it on. When on, the module sends an hourly heartbeat (module,'
                            . ' PrestaShop and PHP versions, shop host, counts of orders and payment errors)'
                            . ' and asks for Ops decisions such as a safety block of this payment method.'
                        ),
                        'values' => [
                            ['id' => 'active_on', 'value' => 1, 'label' => $this->module->l('Yes')],
                            ['id' => 'active_off', 'value' => 0, 'label' => $this->module->l('No')],
                        ],
                    ],
                    [
                        'type' => 'text',
                        'label' => $this->module->l('Ingest URL'),
                        'name' => Settings::INGEST_URL,
                        'required' => true,
                    ],
                    [
                        'type' => 'password',
                        'label' => $this->module->l('API key'),
                        'name' => Settings::API_KEY,
                        'desc' => $this->module->l('Leave empty to keep the saved key.'),
                    ],
                    [
                        'type' => 'text',
                        'label' => $this->module->l('Merchant id'),
                        'name' => Settings::MERCHANT_ID,
                    ],
                    [
                        'type' => 'html',
                        'name' => 'plugintelemetry_cron',
                        'label' => $this->module->l('Cron'),
                        'html_content' => '<p>' . $this->module->l('Call every minute:') . ' <code>'
                            . htmlspecialchars($cronUrl, ENT_QUOTES, 'UTF-8') . '</code></p>',
                    ],
                ],
                'submit' => ['title' => $this->module->l('Save')],
            ],
        ]]);
    }

    /** Why this request may not act: a wrong token, or an employee without the right. */
    private function refusal(): ?string
    {
        $expected = (string) Tools::getAdminTokenLite('AdminModules');
        if ($expected === '' || !hash_equals($expected, (string) Tools::getValue('token', ''))) {
            return $this->module->l('Invalid token: nothing was changed. Reload the page and try again.');
        }
        if (!$this->module->getPermission('configure')) {
            return $this->module->l('You do not have permission to configure this module.');
        }
        return null;
    }

    private function save(): string
    {
        $url = trim((string) Tools::getValue(Settings::INGEST_URL, ''));
        $key = trim((string) Tools::getValue(Settings::API_KEY, ''));
        $merchant = trim((string) Tools::getValue(Settings::MERCHANT_ID, ''));
        $consent = (string) Tools::getValue(Settings::CONSENT, '0') === '1';
        $errors = [];
        if ($url !== '' && !self::isIngestUrl($url)) {
            $errors[] = $this->module->l('The ingest URL must be https:// (http:// only on this machine).');
        }
        if ($merchant !== '' && !Uuid::isValid($merchant)) {
            $errors[] = $this->module->l('The merchant id is a UUID (or leave it empty).');
        }
        if ($errors !== []) {
            return $this->module->displayError(implode(' ', $errors));
        }
        $before = $this->settings->consent();
        if (!$this->settings->save(rtrim($url, '/'), $key, $merchant === '' ? null : strtolower($merchant), $consent)) {
            return $this->module->displayError($this->module->l('The settings could not be saved.'));
        }
        $this->factory->reset();
        $client = $this->factory->create();
        if ($client !== null && $before && !$consent) {
            $client->setConsent(false); // drops what was queued: nothing recorded before is sent later
        }
        if ($client !== null && $consent) {
            $this->afterResponse->defer(static function () use ($client): void {
                $client->refreshIfDue(); // the first heartbeat, once the page is out
            });
        }
        $problem = $this->factory->problem();
        return $problem === null
            ? $this->module->displayConfirmation($this->module->l('Settings saved.'))
            : $this->module->displayConfirmation($this->module->l('Settings saved.'))
                . $this->module->displayError($this->module->l('Telemetry is off:') . ' ' . $problem);
    }

    private function dismiss(string $noticeId): string
    {
        $client = $this->factory->create();
        if ($client === null) {
            return $this->module->displayError((string) $this->factory->problem());
        }
        $result = $client->acknowledgeNotice($noticeId);
        if ($result->reason() === CallResult::INVALID_ARGUMENT) {
            return $this->module->displayError($this->module->l('Unknown notice.'));
        }
        if ($result->ok() || !$client->hasConsent()) {
            return $this->module->displayConfirmation($this->module->l('Notice dismissed.'));
        }
        return $this->module->displayConfirmation(
            $this->module->l('Notice dismissed here; Ops will be told as soon as ingest can be reached.')
        );
    }

    /** https, or http to this machine (a development ingest). */
    private static function isIngestUrl(string $url): bool
    {
        $parts = parse_url($url);
        if (!is_array($parts) || !isset($parts['scheme'], $parts['host'])) {
            return false;
        }
        $scheme = strtolower($parts['scheme']);
        $host = strtolower($parts['host']);
        return $scheme === 'https'
            || ($scheme === 'http' && in_array($host, ['127.0.0.1', 'localhost', '[::1]'], true));
    }
}
