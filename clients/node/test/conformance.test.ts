// The shared conformance scenarios (clients/contract/scenarios.json), every one of
// them, against live ingest with the TypeScript SDK in process; the fault-injection
// ones through a local proxy in front of it (harness/ingest-proxy.ts). Each scenario
// has its own merchant and API key. The same runner drives the PHP core in
// conformance-php.test.ts.

import { describeConformance } from '../harness/conformance-suite';
import { nodeClient } from '../harness/node-client';

describeConformance('conformance scenarios (clients/contract/scenarios.json)', nodeClient);
