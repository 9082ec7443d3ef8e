<?php

/**
 * The module's cron entry point, for the shop's system cron (every minute):
 *
 *     * * * * * curl -fsS 'https://shop.example/index.php?fc=module&module=plugintelemetry&controller=cron&token=TOKEN'
 *
 * (the exact URL, with its token, is on the configuration page). It runs what is due
 * (heartbeat, config poll, queued events: at most a few requests of at most 2 s) and
 * answers JSON. A wrong token gets a 403 and does nothing. PrestaShop names front
 * controllers `<Module><Controller>ModuleFrontController`, in the global namespace.
 */

// phpcs:disable PSR1.Files.SideEffects
// phpcs:disable PSR1.Classes.ClassDeclaration.MissingNamespace
// phpcs:disable Squiz.Classes.ValidClassName.NotCamelCaps

if (!defined('_PS_VERSION_')) {
    exit;
}

class PluginTelemetryCronModuleFrontController extends ModuleFrontController
{
    /** No customer login: the token is the credential. */
    public $auth = false;
    public $ajax = true;

    /** @var array<string, mixed> */
    private array $answer = [];
    private int $status = 200;

    public function postProcess()
    {
        /** @var PluginTelemetry $module */
        $module = $this->module;
        if (!$module->cronTokenMatches((string) Tools::getValue('token', ''))) {
            $this->status = 403;
            $this->answer = ['ok' => false, 'reason' => 'bad_token'];
            return;
        }
        $this->answer = $module->refreshTelemetry();
    }

    public function displayAjax()
    {
        if (!headers_sent()) {
            http_response_code($this->status);
            header('Content-Type: application/json');
            header('Cache-Control: no-store');
        }
        $this->ajaxRender((string) json_encode($this->answer, JSON_UNESCAPED_SLASHES));
    }
}
