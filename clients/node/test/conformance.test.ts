// The shared conformance scenarios (clients/contract/scenarios.json), every one of
// them, against live ingest; the fault-injection ones through a local proxy in front
// of it (harness/ingest-proxy.ts). Each scenario has its own merchant and API key.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';

import { LiveStack } from '../harness/live-stack';
import { ScenarioRun, type ScenarioFile } from '../harness/scenario-runner';

const file = JSON.parse(
  readFileSync(resolve(__dirname, '..', '..', '..', 'contract', 'scenarios.json'), 'utf8'),
) as ScenarioFile;
const timeout = Number(file.defaults['scenario_timeout_ms'] ?? 20_000);

describe('conformance scenarios (clients/contract/scenarios.json)', () => {
  let live: LiveStack;

  before(async () => {
    live = await LiveStack.connect();
  });

  for (const [i, scenario] of file.scenarios.entries()) {
    test(`${scenario.id}: ${scenario.description}`, { timeout }, async () => {
      await new ScenarioRun(scenario, file.defaults, live, 0x5eed + i).run();
    });
  }
});
