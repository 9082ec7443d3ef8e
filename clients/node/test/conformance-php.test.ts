// The same conformance scenarios (clients/contract/scenarios.json), every one of them,
// against the PHP core (clients/php/core) through its driver process
// (clients/php/conformance/driver.php), with the same runner, proxy and live stack as
// the TypeScript SDK's run. Needs `php` (PHP >= 7.4 with ext-sodium; ext-curl, or
// PT_PHP_TRANSPORT=stream for the stream transport).

import { describeConformance } from '../harness/conformance-suite';
import { phpClient } from '../harness/php-client';

describeConformance('conformance scenarios against the PHP core (clients/contract/scenarios.json)', phpClient);
