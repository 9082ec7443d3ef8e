// Runs one scenario of clients/contract/scenarios.json against the TypeScript SDK.
// The step vocabulary is described in clients/contract/README.md; an unknown step
// fails the scenario (a scenario this harness cannot run must not pass silently).

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { TelemetryClient, type CallResult, type TelemetryOptions } from '../src/index';
import { IngestProxy } from './ingest-proxy';
import { INGEST_URL, type LiveStack, type Merchant } from './live-stack';
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

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class ScenarioRun {
  private readonly log = new RequestLog();
  private readonly vars = new Map<string, unknown>();
  private readonly marks = new Map<string, number>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'pt-node-conformance-'));
  private readonly warnings: string[] = [];
  private proxy: IngestProxy | null = null;
  private merchant: Merchant | null = null;
  private client: TelemetryClient | null = null;
  private options: TelemetryOptions | null = null;
  private clockOffset = 0;
  private readonly random: () => number;

  constructor(
    private readonly scenario: Scenario,
    private readonly defaults: Record<string, unknown>,
    private readonly live: LiveStack,
    seed: number,
  ) {
    this.random = seeded(seed);
    this.vars.set('pinned_key_id', Object.keys(live.pinnedKeys)[0]);
  }

  async run(): Promise<void> {
    try {
      this.merchant = await this.live.createMerchant(`sdk-node ${this.scenario.id}`);
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
      await this.client?.stop().catch(() => undefined);
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

  private get c(): TelemetryClient {
    return this.client ?? fail('no client: create_client first');
  }

  private now = (): number => Date.now() + this.clockOffset;

  private createClient(overrides: Record<string, unknown>): void {
    const o = { ...this.defaults, ...overrides };
    const m = this.merchant ?? fail('no merchant');
    const options: TelemetryOptions = {
      ingestUrl: this.proxy?.url ?? INGEST_URL,
      apiKey: m.apiKey,
      merchantId: m.id,
      pinnedKeys: this.live.pinnedKeys,
      pluginVersion: String(o['plugin_version']),
      cms: o['cms'] as TelemetryOptions['cms'],
      siteHost: `${this.scenario.id.replace(/_/g, '-')}.sdk-node.test`,
      environment: 'test',
      consent: o['consent'] === true,
      statePath: join(this.dir, 'state.json'),
      pollIntervalMs: Number(o['poll_interval_ms']),
      now: this.now,
      random: this.random,
      fetch: this.log.fetch,
      logger: { warn: (message) => this.warnings.push(message) },
    };
    if (o['backoff_base_ms'] !== undefined) options.backoffBaseMs = Number(o['backoff_base_ms']);
    if (o['backoff_max_ms'] !== undefined) options.backoffMaxMs = Number(o['backoff_max_ms']);
    if (o['request_timeout_ms'] !== undefined) options.requestTimeoutMs = Number(o['request_timeout_ms']);
    this.options = options;
    this.client = new TelemetryClient(options);
  }

  private async within(ms: number | undefined, check: () => boolean | Promise<boolean>, describe: () => string) {
    const deadline = Date.now() + (ms ?? 0);
    for (;;) {
      if (await check()) return;
      if (Date.now() >= deadline) fail(describe());
      await sleep(25);
    }
  }

  /** The client's state of one condition ({blocked}, {debug_enabled}, {toggle, equals}, {notices}). */
  private holds(cond: Record<string, unknown>): boolean {
    if ('blocked' in cond) return this.c.isBlocked() === cond['blocked'];
    if ('debug_enabled' in cond) return this.c.debugEnabled() === cond['debug_enabled'];
    if ('toggle' in cond) return same(this.c.toggle(String(cond['toggle'])) ?? null, cond['equals']);
    if ('notice' in cond) return this.c.notices().filter((n) => n.notice_id === this.resolve(cond['notice'])).length === 1;
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
      case 'restart': {
        await this.c.stop();
        this.client = new TelemetryClient(this.options ?? fail('no options'));
        return;
      }
      case 'call':
        return this.call(s);
      case 'poll_until': {
        const until = s['until'] as Record<string, unknown>;
        const deadline = Date.now() + Number(s['within_ms'] ?? 0);
        for (;;) {
          const r = await this.c.pollConfig();
          if (this.holds(until)) return;
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
        const id = await this.live.notifyUpgrade(this.c.installationId, String(s['message'] ?? ''), 10_000);
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
        const other = await this.live.createMerchant(`sdk-node ${this.scenario.id} (other)`);
        const key = String(s['toggle']);
        await this.live.setToggle(other.id, key, true, 'conformance: the other merchant', 1);
        const q = new URLSearchParams({ installation_id: this.c.installationId, cms: String(this.defaults['cms']), plugin_version: String(this.defaults['plugin_version']) });
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
        this.clockOffset += Number(s['ms']);
        return;
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

  private async call(s: Step): Promise<void> {
    const method = String(s['method']);
    const args = ((s['args'] as unknown[] | undefined) ?? []).map((a) => this.resolve(a));
    const started = performance.now();
    let result: CallResult | undefined;
    switch (method) {
      case 'heartbeat':
        result = await this.c.heartbeat();
        break;
      case 'poll_config':
        result = await this.c.pollConfig();
        break;
      case 'flush':
        result = await this.c.flush();
        break;
      case 'uninstalled':
        result = await this.c.uninstalled();
        break;
      case 'acknowledge_notice':
        result = await this.c.acknowledgeNotice(String(args[0]));
        break;
      case 'record_error':
        this.c.recordError(String(args[0]));
        break;
      case 'set_consent':
        this.c.setConsent(args[0] === true);
        break;
      default:
        fail(`unknown method ${method}`);
    }
    const elapsed = performance.now() - started;
    const want = s['result'] as Record<string, unknown> | undefined;
    if (want === undefined) return;
    if (result === undefined) fail(`${method} has no result to check`);
    const got = result as unknown as Record<string, unknown>;
    const fields: Record<string, string> = { ok: 'ok', status: 'status', reason: 'reason', code: 'code', refused: 'refused', not_modified: 'notModified', delivered: 'delivered' };
    for (const [k, v] of Object.entries(want)) {
      if (k === 'retry_after_ms') {
        if (typeof got['retryAfterMs'] !== 'number' || got['retryAfterMs'] < Number(v)) fail(`retryAfterMs ${String(got['retryAfterMs'])} < ${String(v)}`);
      } else if (k === 'max_ms') {
        if (elapsed > Number(v)) fail(`${method} took ${elapsed.toFixed(0)} ms > ${String(v)} ms`);
      } else if (fields[k] !== undefined) {
        if (!same(got[fields[k]], v)) fail(`${method} result ${JSON.stringify(result)}: ${k} is not ${JSON.stringify(v)}`);
      } else {
        fail(`unknown result field ${k}`);
      }
    }
  }

  // ------------------------------------------------------------ expectations

  private async expectation(name: string, s: Step): Promise<void> {
    const within = s['within_ms'] === undefined ? undefined : Number(s['within_ms']);
    switch (name) {
      case 'blocked':
        return this.within(within, () => this.holds({ blocked: s['equals'] }), () => `isBlocked() is ${String(this.c.isBlocked())}`);
      case 'debug_enabled':
        return this.within(within, () => this.holds({ debug_enabled: s['equals'] }), () => `debugEnabled() is ${String(this.c.debugEnabled())}`);
      case 'toggle':
        return this.within(
          within,
          () => this.holds({ toggle: s['key'], equals: s['equals'] }),
          () => `toggle(${String(s['key'])}) is ${JSON.stringify(this.c.toggle(String(s['key'])))}`,
        );
      case 'notices': {
        // Other notices may arrive meanwhile (releases published by others): only
        // this one's count matters.
        const id = this.resolve(s['contains']);
        const times = () => this.c.notices().filter((n) => n.notice_id === id).length;
        return this.within(
          within,
          () => times() === Number(s['times']),
          () => `notice ${String(id)} shown ${times()} time(s): ${JSON.stringify(this.c.notices().map((n) => n.notice_id))}`,
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
        for (const [k, v] of Object.entries((s['equals'] as Record<string, unknown> | undefined) ?? {})) {
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
        const before = this.log.entries.length;
        const started = performance.now();
        for (let i = 0; i < calls; i++) {
          this.c.isBlocked();
          this.c.toggle('force_update');
          this.c.debugEnabled();
        }
        const elapsed = performance.now() - started;
        if (this.log.entries.length !== before) fail('a checkout read made a request');
        if (elapsed > Number(s['max_total_ms'])) fail(`${calls} checkout reads took ${elapsed.toFixed(1)} ms`);
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
        const q = new URLSearchParams({ installation_id: this.c.installationId, cms: String(this.defaults['cms']), plugin_version: String(this.defaults['plugin_version']) });
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
