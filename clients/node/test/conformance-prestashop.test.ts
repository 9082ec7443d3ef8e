// The same conformance scenarios (clients/contract/scenarios.json), every one of them,
// against the PrestaShop adapter (clients/php/prestashop): the PHP core's Driver run
// with the module's StateStore (ModuleStateStore, the module's var/ folder) in place of
// the state file, inside the PrestaShop shim (clients/php/prestashop/tests/shim/, which
// follows PrestaShop's documented API: this is not a running PrestaShop), through
// clients/php/prestashop/tests/conformance-driver.php. Needs `php` (>= 7.4, ext-sodium)
// and the live stack.

import { join } from 'node:path';

import { describeConformance } from '../harness/conformance-suite';
import { REPO_ROOT } from '../harness/live-stack';
import { PHP, phpDriverKind } from '../harness/php-client';

const DRIVER = join(REPO_ROOT, 'clients', 'php', 'prestashop', 'tests', 'conformance-driver.php');

const prestashop = phpDriverKind({
  name: 'prestashop',
  driverFile: DRIVER,
  command: [PHP, '-d', 'display_errors=stderr', DRIVER],
});

describeConformance('conformance scenarios against the PrestaShop adapter in its shim (clients/contract/scenarios.json)', prestashop);
