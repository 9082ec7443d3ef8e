// Runs one scenario of clients/contract/scenarios.json against one client, through the
// ClientDriver interface (client-driver.ts): the TypeScript SDK in process, or the PHP
// core in a driver process. The step vocabulary is described in
// clients/contract/README.md; an unknown step, condition or result field fails the
// scenario, and so does a call the client kind does not support (a scenario this
// harness cannot run must not pass silently).

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { ClientDriver, ClientKind, DriverOptions, DriverResult } from './client-driver';
import { IngestProxy } from './ingest-proxy';
import { INGEST_URL, UpToDate, type LiveStack, type Merchant } from './live-stack';
import { RequestLog } from './request-log';

export type Step = Record<string, unknown>;

export interface Scenario {
  id: string;
  description: string;
  server: 'live' | 'proxy';
  steps: Step[];
}

export interface ScenarioFile {
  defaults: Record<string, unknown>;
  scenarios: Scenario[];
}

class ScenarioFailure extends Error {}

function fail(message: string): never {
  throw new ScenarioFailure(message);
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** A deterministic random source (mulberry32), seeded per scenario. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `1.2.3` → `1.2.4`. */
function nextPatch(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version) ?? fail(`plugin_version ${version} is not x.y.z`);
  return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class ScenarioRun {
  private readonly log = new RequestLog();
  private readonly vars = new Map<string, unknown>();
  private readonly marks = new Map<string, number>();
  private readonly dir: string;
  private readonly warnings: string[] = [];
  private proxy: IngestProxy | null = null;
  private merchant: Merchant | null = null;
  private readonly driver: ClientDriver;
  private created = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly defaults: Record<string, unknown>,
    private readonly live: LiveStack,
    seed: number,
    private readonly kind: ClientKind,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `pt-${kind.name}-conformance-`));
    this.driver = kind.driver({ log: this.log, random: seeded(seed), warn: (m) => this.warnings.push(m), seed });
    this.vars.set('pinned_key_id', Object.keys(live.pinnedKeys)[0]);
    this.vars.set('sdk_language', kind.sdkLanguage);
  }

  async run(): Promise<void> {
    try {
      this.merchant = await this.live.createMerchant(`sdk-${this.kind.name} ${this.scenario.id}`, `sdk-${this.kind.name} conformance`);
      if (this.scenario.server === 'proxy') {
        this.proxy = new IngestProxy(new URL(INGEST_URL));
        await this.proxy.up();
      }
      for (const [i, step] of this.scenario.steps.entries()) {
        try {
          await this.step(step);
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          const trail = this.log.entries.map((r) => `${r.method} ${r.path} → ${r.status ?? r.error}`).join('\n    ');
          throw new Error(
            `step ${i + 1} ${JSON.stringify(step)}: ${why}\n  requests:\n    ${trail}\n  warnings: ${this.warnings.join(' | ')}`,
          );
        }
      }
    } finally {
      await this.driver.close();
      await this.proxy?.down();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  // ------------------------------------------------------------------ values

  private resolve(v: unknown): unknown {
    if (typeof v === 'string' && v.startsWith('$')) {
      const name = v.slice(1);
      if (!this.vars.has(name)) fail(`unknown variable ${v}`);
      return this.vars.get(name);
    }
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    return v;
  }

  /** The driver, once `create_client` ran (a step before it is a broken scenario). */
  private get c(): ClientDriver {
    if (!this.created) fail('no client: create_client first');
    return this.driver;
  }

  private static readonly OPTIONS = ['consent', 'poll_interval_ms', 'backoff_base_ms', 'backoff_max_ms', 'request_timeout_ms', 'plugin_version', 'cms'];

  private async createClient(overrides: Record<string, unknown>): Promise<void> {
    for (const k of Object.keys(overrides)) if (!ScenarioRun.OPTIONS.includes(k)) fail(`unknown client option ${k}`);
    const o = { ...this.defaults, ...overrides };
    const m = this.merchant ?? fail('no merchant');
    const options: DriverOptions = {
      ingestUrl: this.proxy?.url ?? INGEST_URL,
      apiKey: m.apiKey,
      merchantId: m.id,
      pinnedKeys: this.live.pinnedKeys,
      pluginVersion: String(o['plugin_version']),
      cms: String(o['cms']),
      siteHost: `${this.scenario.id.replace(/_/g, '-')}.sdk-${this.kind.name}.test`,
      environment: 'test',
      consent: o['consent'] === true,
      statePath: join(this.dir, 'state.json'),
      pollIntervalMs: Number(o['poll_interval_ms']),
    };
    if (o['backoff_base_ms'] !== undefined) options.backoffBaseMs = Number(o['backoff_base_ms']);
    if (o['backoff_max_ms'] !== undefined) options.backoffMaxMs = Number(o['backoff_max_ms']);
    if (o['request_timeout_ms'] !== undefined) options.requestTimeoutMs = Number(o['request_timeout_ms']);
    await this.driver.create(options);
    this.created = true;
  }

  private async within(ms: number | undefined, check: () => boolean | Promise<boolean>, describe: () => string) {
    const deadline = Date.now() + (ms ?? 0);
    for (;;) {
      if (await check()) return;
      if (Date.now() >= deadline) fail(describe());
      await sleep(25);
    }
  }

  /** The client's state of one condition ({blocked}, {debug_enabled}, {toggle, equals}, {notice}). */
  private async holds(cond: Record<string, unknown>): Promise<boolean> {
    if ('blocked' in cond) return (await this.c.isBlocked()) === cond['blocked'];
    if ('debug_enabled' in cond) return (await this.c.debugEnabled()) === cond['debug_enabled'];
    if ('toggle' in cond) return same((await this.c.toggle(String(cond['toggle']))) ?? null, cond['equals']);
    if ('notice' in cond) {
      const id = this.resolve(cond['notice']);
      return (await this.c.noticeIds()).filter((n) => n === id).length === 1;
    }
    return fail(`unknown condition ${JSON.stringify(cond)}`);
  }

  private since(step: Step): number {
    const mark = step['since'];
    if (mark === undefined) return 0;
    return this.marks.get(String(mark)) ?? fail(`unknown mark ${String(mark)}`);
  }

  // ------------------------------------------------------------------ steps

  private async step(step: Step): Promise<void> {
    if (typeof step['do'] === 'string') return this.action(step['do'], step);
    if (typeof step['expect'] === 'string') return this.expectation(step['expect'], step);
    fail('a step needs "do" or "expect"');
  }

  private async action(name: string, s: Step): Promise<void> {
    const m = this.merchant ?? fail('no merchant');
    switch (name) {
      case 'create_client':
        return this.createClient((s['options'] as Record<string, unknown> | undefined) ?? {});
      case 'start':
        return this.c.start();
      case 'stop':
        return this.c.stop();
      case 'restart':
        return this.c.restart();
      case 'call':
        return this.call(s);
      case 'poll_until': {
        const until = s['until'] as Record<string, unknown>;
        const deadline = Date.now() + Number(s['within_ms'] ?? 0);
        for (;;) {
          const r = await this.c.call('poll_config', []);
          if (await this.holds(until)) return;
          if (Date.now() >= deadline) fail(`${JSON.stringify(until)} not reached; last poll ${JSON.stringify(r)}`);
          await sleep(200);
        }
      }
      case 'ops_set_toggle': {
        const expires = s['expires_in_hours'] === undefined ? null : Number(s['expires_in_hours']);
        const id = await this.live.setToggle(m.id, String(s['key']), s['value'] ?? true, String(s['reason']), expires);
        this.vars.set(String(s['save_as'] ?? s['key']), id);
        return;
      }
      case 'ops_revoke_toggle':
        return this.live.revokeToggle(String(this.vars.get(String(s['ref']))), String(s['reason'] ?? 'conformance'));
      case 'ops_notify_upgrade': {
        const installation = await this.c.installationId();
        const message = String(s['message'] ?? '');
        let id: string;
        try {
          id = await this.live.notifyUpgrade(installation, message, 10_000);
        } catch (e) {
          if (!(e instanceof UpToDate)) throw e;
          // A fresh stack's registry has no release above the scenarios' version (the
          // step needs one to tell about): publish the next patch release, then ask again.
          const next = nextPatch(String(this.defaults['plugin_version']));
          await this.live.publishRelease(String(this.defaults['cms']), next, 'conformance: a release to be told about');
          id = await this.live.notifyUpgrade(installation, message, 10_000);
        }
        this.vars.set(String(s['save_as'] ?? 'notice'), id);
        return;
      }
      case 'ops_signed_for_other_installation': {
        // What ingest signs for another installation of the same merchant, once it
        // carries `until_toggle`.
        const q = new URLSearchParams({ installation_id: randomUUID(), cms: String(this.defaults['cms']), plugin_version: String(this.defaults['plugin_version']) });
        const key = String(s['until_toggle']);
        const deadline = Date.now() + 3000;
        for (;;) {
          const signed = await this.live.signedToggles(m.apiKey, q.toString());
          if (key in (JSON.parse(signed.payload) as { toggles: Record<string, unknown> }).toggles) {
            this.vars.set(String(s['save_as']), signed);
            return;
          }
          if (Date.now() >= deadline) fail(`${key} never in the other installation's payload`);
          await sleep(200);
        }
      }
      case 'ops_signed_from_other_merchant': {
        // Another merchant's key asking about THIS installation id: ingest signs that
        // merchant's toggles (here its own block) for the same installation id.
        const other = await this.live.createMerchant(`sdk-${this.kind.name} ${this.scenario.id} (other)`, `sdk-${this.kind.name} conformance`);
        const key = String(s['toggle']);
        await this.live.setToggle(other.id, key, true, 'conformance: the other merchant', 1);
        const q = new URLSearchParams({ installation_id: await this.c.installationId(), cms: String(this.defaults['cms']), plugin_version: String(this.defaults['plugin_version']) });
        const deadline = Date.now() + 3000;
        for (;;) {
          const signed = await this.live.signedToggles(other.apiKey, q.toString());
          if (key in (JSON.parse(signed.payload) as { toggles: Record<string, unknown> }).toggles) {
            this.vars.set(String(s['save_as']), signed);
            return;
          }
          if (Date.now() >= deadline) fail(`${key} never in the other merchant's payload`);
          await sleep(200);
        }
      }
      case 'server_respond':
        return this.proxyOrFail().respond(
          String(s['path']),
          Number(s['status']),
          (s['headers'] as Record<string, string> | undefined) ?? {},
          s['body'],
          Number(s['times'] ?? 1),
        );
      case 'server_tamper': {
        const how = String(s['how']);
        const path = String(s['path']);
        const toggles = (s['toggles'] as Record<string, unknown> | undefined) ?? {};
        if (how === 'modify_payload') this.proxyOrFail().setTamper({ how, path, toggles });
        else if (how === 'sign_with_unknown_key') this.proxyOrFail().setTamper({ how, path, toggles, keyId: String(this.resolve(s['key_id'])) });
        else if (how === 'replay') this.proxyOrFail().setTamper({ how, path, signed: this.vars.get(String(s['ref'])) });
        else fail(`unknown tamper ${how}`);
        return;
      }
      case 'server_capture_signed': {
        const signed = this.log.lastSigned();
        if (signed === undefined) fail('no answer with signed_toggles yet');
        this.vars.set(String(s['save_as']), signed);
        return;
      }
      case 'server_down':
        return this.proxyOrFail().down();
      case 'server_up':
        return this.proxyOrFail().up();
      case 'server_hang':
        return this.proxyOrFail().hang();
      case 'server_normal':
        return this.proxyOrFail().normal();
      case 'server_drop_answers':
        return this.proxyOrFail().dropAnswers(String(s['path']), Number(s['times'] ?? 1));
      case 'wait_ms':
        return sleep(Number(s['ms']));
      case 'advance_clock_ms':
        return this.c.advanceClock(Number(s['ms']));
      case 'mark':
        this.marks.set(String(s['name']), this.log.entries.length);
        return;
      default:
        fail(`unknown action ${name}`);
    }
  }

  private proxyOrFail(): IngestProxy {
    return this.proxy ?? fail('this step needs "server": "proxy"');
  }

  private static readonly METHODS = ['heartbeat', 'poll_config', 'flush', 'uninstalled', 'acknowledge_notice', 'record_error', 'set_consent'];
  private static readonly RESULT_FIELDS = ['ok', 'status', 'reason', 'code', 'refused', 'not_modified', 'delivered'];

  private async call(s: Step): Promise<void> {
    const method = String(s['method']);
    if (!ScenarioRun.METHODS.includes(method)) fail(`unknown method ${method}`);
    const args = ((s['args'] as unknown[] | undefined) ?? []).map((a) => this.resolve(a));
    const started = performance.now();
    const result: DriverResult | undefined = await this.c.call(method, args);
    const elapsed = performance.now() - started;
    const want = s['result'] as Record<string, unknown> | undefined;
    if (want === undefined) return;
    if (result === undefined) fail(`${method} has no result to check`);
    for (const [k, v] of Object.entries(want)) {
      if (k === 'retry_after_ms') {
        const got = result['retry_after_ms'];
        if (typeof got !== 'number' || got < Number(v)) fail(`retry_after_ms ${String(got)} < ${String(v)}`);
      } else if (k === 'max_ms') {
        if (elapsed > Number(v)) fail(`${method} took ${elapsed.toFixed(0)} ms > ${String(v)} ms`);
      } else if (ScenarioRun.RESULT_FIELDS.includes(k)) {
        if (!same(result[k], v)) fail(`${method} result ${JSON.stringify(result)}: ${k} is not ${JSON.stringify(v)}`);
      } else {
        fail(`unknown result field ${k}`);
      }
    }
  }

  // ------------------------------------------------------------ expectations

  private async expectation(name: string, s: Step): Promise<void> {
    const within = s['within_ms'] === undefined ? undefined : Number(s['within_ms']);
    switch (name) {
      case 'blocked': {
        let last: unknown;
        return this.within(within, async () => (last = await this.c.isBlocked()) === s['equals'], () => `isBlocked() is ${String(last)}`);
      }
      case 'debug_enabled': {
        let last: unknown;
        return this.within(within, async () => (last = await this.c.debugEnabled()) === s['equals'], () => `debugEnabled() is ${String(last)}`);
      }
      case 'toggle': {
        let last: unknown;
        return this.within(
          within,
          async () => same((last = await this.c.toggle(String(s['key']))) ?? null, s['equals']),
          () => `toggle(${String(s['key'])}) is ${JSON.stringify(last)}`,
        );
      }
      case 'notices': {
        // Other notices may arrive meanwhile (releases published by others): only
        // this one's count matters.
        const id = this.resolve(s['contains']);
        let shown: string[] = [];
        return this.within(
          within,
          async () => (shown = await this.c.noticeIds()).filter((n) => n === id).length === Number(s['times']),
          () => `notice ${String(id)} shown ${shown.filter((n) => n === id).length} time(s): ${JSON.stringify(shown)}`,
        );
      }
      case 'requests': {
        const path = s['path'] === undefined ? undefined : String(s['path']);
        const since = this.since(s);
        return this.within(
          within,
          () => this.log.to(path, since).length === Number(s['count']),
          () => `${this.log.to(path, since).length} request(s) to ${path ?? 'anywhere'}, not ${String(s['count'])}`,
        );
      }
      case 'request_body': {
        const last = this.log.to(String(s['path'])).at(-1) ?? fail(`no request to ${String(s['path'])}`);
        const body = (last.body ?? {}) as Record<string, unknown>;
        for (const f of (s['has'] as string[] | undefined) ?? []) if (!(f in body)) fail(`body has no ${f}: ${JSON.stringify(body)}`);
        for (const [k, raw] of Object.entries((s['equals'] as Record<string, unknown> | undefined) ?? {})) {
          const v = this.resolve(raw);
          if (!same(body[k], v)) fail(`body.${k} is ${JSON.stringify(body[k])}, not ${JSON.stringify(v)}`);
        }
        return;
      }
      case 'request_header': {
        const last = this.log.to(String(s['path'])).at(-1) ?? fail(`no request to ${String(s['path'])}`);
        const present = String(s['name']) in last.headers;
        if (present !== s['present']) fail(`header ${String(s['name'])} present: ${String(present)}`);
        return;
      }
      case 'requests_share': {
        const count = Number(s['count']);
        const field = String(s['field']);
        const last = this.log.to(String(s['path'])).slice(-count);
        const values = last.map((r) => (r.body as Record<string, unknown> | null)?.[field]);
        if (last.length !== count || values[0] === undefined || values.some((v) => !same(v, values[0]))) {
          fail(`the last ${count} requests do not share ${field}: ${JSON.stringify(values)}`);
        }
        return;
      }
      case 'events_delivered':
        return this.within(within, () => this.eventsHold(s), () => this.eventsReport(s));
      case 'checkout_reads_local': {
        const calls = Number(s['calls']);
        const r = await this.c.checkoutReads(calls);
        if (r.requests !== 0) fail(`checkout reads made ${r.requests} request(s)`);
        if (r.elapsedMs > Number(s['max_total_ms'])) fail(`${calls} checkout reads took ${r.elapsedMs.toFixed(1)} ms`);
        return;
      }
      case 'state_exists': {
        const exists = existsSync(join(this.dir, 'state.json'));
        if (exists !== s['equals']) fail(`state file exists: ${String(exists)}`);
        return;
      }
      case 'server_lists_notice': {
        const id = String(this.vars.get(String(s['ref'])));
        const m = this.merchant ?? fail('no merchant');
        const q = new URLSearchParams({ installation_id: await this.c.installationId(), cms: String(this.defaults['cms']), plugin_version: String(this.defaults['plugin_version']) });
        let listed: string[] = [];
        return this.within(
          within,
          async () => {
            listed = await this.live.listedNotices(m.apiKey, q.toString());
            return listed.includes(id) === s['equals'];
          },
          () => `ingest lists ${JSON.stringify(listed)}`,
        );
      }
      default:
        fail(`unknown expectation ${name}`);
    }
  }

  /** Per matching event id: how often it was sent, and how often ingest answered 202. */
  private events(s: Step): Map<string, { sent: number; accepted: number }> {
    const out = new Map<string, { sent: number; accepted: number }>();
    const match: Record<string, unknown> = {};
    for (const k of ['type', 'error_code', 'notice_id', 'toggle_key']) if (s[k] !== undefined) match[k] = this.resolve(s[k]);
    for (const r of this.log.to('/api/v1/plugins/event')) {
      const events = ((r.body as { events?: Record<string, unknown>[] } | null)?.events ?? []).filter((e) =>
        Object.entries(match).every(([k, v]) => same(e[k], v)),
      );
      for (const e of events) {
        const id = String(e['event_id']);
        const seen = out.get(id) ?? { sent: 0, accepted: 0 };
        seen.sent += 1;
        if (r.status === 202) seen.accepted += 1;
        out.set(id, seen);
      }
    }
    return out;
  }

  private eventsHold(s: Step): boolean {
    const all = [...this.events(s).values()];
    const accepted = all.filter((e) => e.accepted > 0).length;
    if (accepted !== Number(s['count'])) return false;
    if (s['each_once'] === true && all.some((e) => e.accepted > 1)) return false;
    if (s['attempts'] !== undefined && all.reduce((n, e) => n + e.sent, 0) !== Number(s['attempts'])) return false;
    return true;
  }

  private eventsReport(s: Step): string {
    return `events matching ${JSON.stringify(s)}: ${JSON.stringify([...this.events(s).entries()])}`;
  }
}
