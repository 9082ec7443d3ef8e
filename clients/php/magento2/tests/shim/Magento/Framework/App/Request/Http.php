<?php

/**
 * Shim of Magento\Framework\App\Request\Http: a request's method and parameters (the
 * path's /name/value/ pairs and the query, as Magento's router merges them). Tests only.
 */

declare(strict_types=1);

namespace Magento\Framework\App\Request;

use Magento\Framework\App\RequestInterface;

class Http implements RequestInterface
{
    private string $method;
    /** @var array<string, mixed> */
    private array $params;
    /** @var array{0: string, 1: string, 2: string} front name, controller, action */
    private array $route;

    /** @param array<string, mixed> $params */
    public function __construct(string $method = 'GET', array $params = [], array $route = ['', 'index', 'index'])
    {
        $this->method = strtoupper($method);
        $this->params = $params;
        $this->route = [(string) $route[0], (string) $route[1], (string) $route[2]];
    }

    /** The parameters of an admin URL (`/admin/route/controller/action/name/value/.../`). */
    public static function fromAdminUrl(string $url, string $method = 'GET'): self
    {
        $parts = array_values(array_filter(explode('/', (string) parse_url($url, PHP_URL_PATH)), 'strlen'));
        $params = [];
        for ($i = 4; $i + 1 < count($parts); $i += 2) {
            $params[rawurldecode($parts[$i])] = rawurldecode($parts[$i + 1]);
        }
        parse_str((string) parse_url($url, PHP_URL_QUERY), $query);
        return new self($method, $params + $query, [$parts[1] ?? '', $parts[2] ?? 'index', $parts[3] ?? 'index']);
    }

    /** The route's front name (routes.xml `frontName`). */
    public function getRouteName()
    {
        return $this->route[0];
    }

    public function getControllerName()
    {
        return $this->route[1];
    }

    public function getActionName()
    {
        return $this->route[2];
    }

    public function getParam($key, $defaultValue = null)
    {
        return $this->params[$key] ?? $defaultValue;
    }

    public function getParams()
    {
        return $this->params;
    }

    public function getMethod()
    {
        return $this->method;
    }
}
