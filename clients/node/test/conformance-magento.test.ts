// The same conformance scenarios (clients/contract/scenarios.json), every one of them,
// against the Magento 2 adapter (clients/php/magento2): the PHP core's Driver run with
// the module's StateStore (a row of Magento's `flag` table under a named lock) in place
// of the state file, inside the Magento shim (clients/php/magento2/tests/shim/, which
// follows Magento's documented API: this is not a running Magento), through
// clients/php/magento2/tests/conformance-driver.php. Needs `php` (>= 7.4, ext-sodium)
// and the live stack.

import { join } from 'node:path';

import { describeConformance } from '../harness/conformance-suite';
import { REPO_ROOT } from '../harness/live-stack';
import { PHP, phpDriverKind } from '../harness/php-client';

const DRIVER = join(REPO_ROOT, 'clients', 'php', 'magento2', 'tests', 'conformance-driver.php');

const magento = phpDriverKind({
  name: 'magento',
  driverFile: DRIVER,
  command: [PHP, '-d', 'display_errors=stderr', DRIVER],
});

describeConformance('conformance scenarios against the Magento 2 adapter in its shim (clients/contract/scenarios.json)', magento);
