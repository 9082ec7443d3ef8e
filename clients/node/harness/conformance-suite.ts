// Every scenario of clients/contract/scenarios.json against one kind of client, as
// node:test tests; the fault-injection ones through a local proxy in front of live
// ingest (ingest-proxy.ts). Each scenario has its own merchant and API key. The test
// files (test/conformance*.test.ts) only name the client kind.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';

import type { ClientKind } from './client-driver';
import { LiveStack, REPO_ROOT } from './live-stack';
import { ScenarioRun, type ScenarioFile } from './scenario-runner';

export const SCENARIOS_PATH = resolve(REPO_ROOT, 'clients', 'contract', 'scenarios.json');

export function loadScenarios(): ScenarioFile {
  return JSON.parse(readFileSync(SCENARIOS_PATH, 'utf8')) as ScenarioFile;
}

export function describeConformance(title: string, kind: ClientKind): void {
  const file = loadScenarios();
  const timeout = Number(file.defaults['scenario_timeout_ms'] ?? 20_000);

  describe(title, () => {
    let live: LiveStack;

    before(async () => {
      await kind.check();
      live = await LiveStack.connect();
    });

    for (const [i, scenario] of file.scenarios.entries()) {
      test(`${scenario.id}: ${scenario.description}`, { timeout }, async () => {
        await new ScenarioRun(scenario, file.defaults, live, 0x5eed + i, kind).run();
      });
    }
  });
}
