// The TelemetryClient against an in-process fake fetch: the rules the conformance
// scenarios cannot reach on demand (a damaged or altered state file, a poison event,
// HTTP-date Retry-After, unsigned fields that must not be trusted, options checks).

import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';

import { MemoryStateStore, TelemetryClient, type TelemetryOptions } from '../src/index';

const INSTALLATION = '5f0e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const PUBLIC = spki.subarray(spki.length - 32).toString('base64');

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A signed payload; `extra` adds the fields current servers sign (merchant_id, notices, …). */
function signedToggles(toggles: Record<string, unknown>, extra: Record<string, unknown> = {}, issued = Date.now()) {
  const payload = JSON.stringify({
    expires_at: iso(issued + 7200_000),
    installation_id: INSTALLATION,
    issued_at: iso(issued),
    toggle_expires_at: Object.fromEntries(Object.keys(toggles).map((k) => [k, null])),
    toggles,
    ...extra,
  });
  return { payload, signature: sign(null, Buffer.from(payload), privateKey).toString('base64'), key_id: 'k1', algorithm: 'Ed25519' };
}

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

type Handler = (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> };

/** A fake ingest: `handler` answers; every request is kept in `seen`. */
function fakeIngest(handler: Handler) {
  const seen: Seen[] = [];
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const req: Seen = {
      method: init.method ?? 'GET',
      path: url.pathname,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
    };
    seen.push(req);
    const r = handler(req);
    const body = r.body === undefined || r.status === 304 ? null : JSON.stringify(r.body);
    return new Response(body, { status: r.status, headers: { 'content-type': 'application/json', ...(r.headers ?? {}) } });
  };
  return { seen, fetch };
}

function answer(toggles: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { signed_toggles: signedToggles(toggles), toggles: {}, upgrade: null, notices: [], ...extra };
}

const quiet = { warn: () => undefined };

function options(over: Partial<TelemetryOptions>): TelemetryOptions {
  return {
    ingestUrl: 'http://127.0.0.1:9',
    apiKey: 'ptk_test',
    pinnedKeys: { k1: PUBLIC },
    pluginVersion: '1.0.0',
    installationId: INSTALLATION,
    consent: true,
    store: new MemoryStateStore(),
    logger: quiet,
    ...over,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TelemetryClient', () => {
  test('checkout reads make no request, with or without consent', () => {
    const fetch = async (): Promise<Response> => {
      throw new Error('the checkout path must not call fetch');
    };
    for (const consent of [true, false]) {
      const c = new TelemetryClient(options({ fetch, consent }));
      assert.equal(c.isBlocked(), false);
      assert.equal(c.toggle('block_plugin'), undefined);
      assert.equal(c.debugEnabled(), false);
      assert.deepEqual(c.notices(), []);
      assert.equal(c.upgradeAdvice(), null);
    }
  });

  test('only the signed toggles count, never the plain ones next to them', async () => {
    const ingest = fakeIngest(() => ({ status: 200, body: { config: answer({}, { toggles: { block_plugin: true } }) } }));
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    assert.equal((await c.pollConfig()).ok, true);
    assert.equal(c.isBlocked(), false);
  });

  test('signed notices and advice win over the unsigned ones beside the payload', async () => {
    const signedNotice = { notice_id: 'real', to_version: '3.0.1', upgrade_type: 'major', priority: 'high', critical: false, message: null, created_at: 't' };
    const forged = { ...signedNotice, notice_id: 'forged', message: 'get it at evil.example' };
    const upgrade = { current_version: '1.0.0', latest_version: '3.0.1', upgrade_type: 'major', critical: false, required: false, priority: 'high', reasons: [], changelog: '', package_url: 'https://downloads.example/p.zip', requirements: {} };
    const ingest = fakeIngest(() => ({
      status: 200,
      body: {
        config: {
          signed_toggles: signedToggles({}, { notices: [signedNotice], upgrade, cms: 'shopify', plugin_version: '1.0.0' }),
          notices: [forged],
          upgrade: { ...upgrade, package_url: 'https://evil.example/p.zip' },
        },
      },
    }));
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    await c.pollConfig();
    assert.deepEqual(c.notices().map((n) => n.notice_id), ['real']);
    assert.equal(c.upgradeAdvice()?.package_url, 'https://downloads.example/p.zip');
  });

  test('without a configured merchant, the first accepted payload\'s merchant is the only one accepted', async () => {
    let merchant = '0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a';
    const ingest = fakeIngest(() => ({ status: 200, body: { config: answer({}, { signed_toggles: signedToggles({}, { merchant_id: merchant }) }) } }));
    const store = new MemoryStateStore();
    const c = new TelemetryClient(options({ fetch: ingest.fetch, store }));
    assert.equal((await c.pollConfig()).refused, undefined);
    merchant = '00000000-0000-0000-0000-000000000001';
    assert.equal((await c.pollConfig()).refused, 'wrong_merchant');
    await c.stop();
    const sameKey = new TelemetryClient(options({ fetch: ingest.fetch, store }));
    assert.equal((await sameKey.pollConfig()).refused, 'wrong_merchant');
    await sameKey.stop();
    const newKey = new TelemetryClient(options({ fetch: ingest.fetch, store, apiKey: 'ptk_other' }));
    assert.equal((await newKey.pollConfig()).refused, undefined, 'a new API key learns its merchant again');
  });

  test('the loop polls at the signed poll_interval_secs when no shorter one is configured', async () => {
    const ingest = fakeIngest((req) =>
      req.path.endsWith('/heartbeat')
        ? { status: 202, body: { status: 'accepted', ...answer({}, { signed_toggles: signedToggles({}, { poll_interval_secs: 1 }) }) } }
        : { status: 304 },
    );
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    c.start();
    await new Promise((ok) => setTimeout(ok, 1500));
    await c.stop();
    assert.deepEqual(ingest.seen.map((r) => r.path), ['/api/v1/plugins/heartbeat', '/api/v1/plugins/config']);
  });

  test('a refused answer keeps the last state, its notices are not shown, and it is reported once per streak', async () => {
    let mode: 'good' | 'bad' = 'good';
    const notice = { notice_id: 'evil', to_version: '9', upgrade_type: 'major', priority: 'critical', critical: true, message: 'upgrade at evil.example', created_at: 't' };
    const ingest = fakeIngest((req) => {
      if (req.path.endsWith('/event')) return { status: 202, body: { status: 'accepted' } };
      const a = answer({ force_update: true });
      if (mode === 'bad') a.signed_toggles.payload = a.signed_toggles.payload.replace('"toggles":{', '"toggles":{"block_plugin":true,');
      return { status: 200, body: { config: { ...a, notices: mode === 'bad' ? [notice] : [] } } };
    });
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    await c.pollConfig();
    mode = 'bad';
    assert.equal((await c.pollConfig()).refused, 'bad_signature');
    assert.equal((await c.pollConfig()).refused, 'bad_signature');
    assert.equal(c.isBlocked(), false);
    assert.equal(c.toggle('force_update'), true);
    assert.deepEqual(c.notices(), []);
    mode = 'good';
    await c.pollConfig();
    mode = 'bad';
    await c.pollConfig();
    await c.flush();
    const reports = ingest.seen
      .filter((r) => r.path.endsWith('/event'))
      .flatMap((r) => (r.body as { events: { error_code?: string; data?: { reason: string } }[] }).events)
      .filter((e) => e.error_code === 'toggle_signature_invalid');
    assert.equal(reports.length, 2, 'once per streak of refusals');
    assert.deepEqual(reports[0]?.data, { reason: 'bad_signature' });
  });

  test('a heartbeat\'s payload replaces the ETag\'s, so the next poll asks for a full answer', async () => {
    const ingest = fakeIngest((req) =>
      req.path.endsWith('/heartbeat')
        ? { status: 202, body: { status: 'accepted', ...answer({ a: 2 }), next_heartbeat_in_secs: 60 } }
        : { status: 200, body: { config: answer({ a: 1 }) }, headers: { etag: '"e1"' } },
    );
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    await c.pollConfig();
    await c.pollConfig();
    assert.equal(ingest.seen[1]?.headers.get('if-none-match'), '"e1"');
    await c.heartbeat();
    await c.pollConfig();
    assert.equal(ingest.seen[3]?.headers.get('if-none-match'), null);
  });

  test('Retry-After as an HTTP-date gates every request; a 503 without one backs off', async () => {
    let now = Date.parse('2026-12-03T14:00:00Z');
    const ingest = fakeIngest(() => ({ status: 503, headers: { 'retry-after': 'Thu, 03 Dec 2026 14:00:30 GMT' }, body: { error: { code: 'overloaded' } } }));
    const c = new TelemetryClient(options({ fetch: ingest.fetch, now: () => now }));
    const r = await c.heartbeat();
    assert.deepEqual([r.status, r.code, r.retryAfterMs], [503, 'overloaded', 30_000]);
    now += 29_000;
    assert.equal((await c.pollConfig()).reason, 'backing_off');
    assert.equal(ingest.seen.length, 1);
    now += 1000;
    const bare = fakeIngest(() => ({ status: 503 }));
    const d = new TelemetryClient(options({ fetch: bare.fetch, now: () => now, random: () => 0, backoffBaseMs: 1000 }));
    assert.equal((await d.heartbeat()).retryAfterMs, 500);
  });

  test('an event ingest refuses (422 naming it) is dropped; the rest are delivered', async () => {
    const ingest = fakeIngest((req) => {
      const events = (req.body as { events: { error_code: string }[] }).events;
      const poison = events.findIndex((e) => e.error_code === 'poison');
      return poison >= 0
        ? { status: 422, body: { error: { code: 'invalid_value', message: 'x', field: `events[${poison}].error_code` } } }
        : { status: 202, body: { status: 'accepted' } };
    });
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    c.recordError('a');
    c.recordError('poison');
    c.recordError('b');
    const r = await c.flush();
    assert.deepEqual([r.ok, r.delivered], [true, 2]);
    const last = ingest.seen.at(-1)?.body as { events: { error_code: string }[] };
    assert.deepEqual(last.events.map((e) => e.error_code), ['a', 'b']);
  });

  test('a state file altered on disk is not trusted; a damaged one starts clean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-node-client-'));
    dirs.push(dir);
    const statePath = join(dir, 'state.json');
    const ingest = fakeIngest(() => ({ status: 200, body: { config: answer({ force_update: true }) } }));
    const a = new TelemetryClient(options({ fetch: ingest.fetch, store: undefined, statePath }));
    await a.pollConfig();
    await a.stop();
    assert.equal(new TelemetryClient(options({ statePath, store: undefined })).toggle('force_update'), true);
    assert.equal(readFileSync(statePath, 'utf8').includes('ptk_test'), false, 'the API key is never stored');

    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { signed: { payload: string } };
    state.signed.payload = state.signed.payload.replace('"toggles":{', '"toggles":{"block_plugin":true,');
    writeFileSync(statePath, JSON.stringify(state));
    const b = new TelemetryClient(options({ statePath, store: undefined }));
    assert.equal(b.isBlocked(), false);
    assert.equal(b.toggle('force_update'), undefined);

    writeFileSync(statePath, '{"v":1, trunc');
    const c = new TelemetryClient(options({ statePath, store: undefined }));
    assert.equal(c.isBlocked(), false);
    assert.equal(c.installationId, INSTALLATION);
  });

  test('an uninstall that could not be sent is delivered later from the queue, then the client stops', async () => {
    let up = false;
    const ingest = fakeIngest(() => {
      if (!up) throw new Error('connection refused');
      return { status: 202, body: { status: 'accepted' } };
    });
    const store = new MemoryStateStore();
    const c = new TelemetryClient(options({ fetch: ingest.fetch, store, backoffBaseMs: 10, backoffMaxMs: 10 }));
    assert.equal((await c.uninstalled()).reason, 'network');
    assert.notEqual(store.load(), null, 'the uninstall stays queued on disk');
    up = true;
    await new Promise((ok) => setTimeout(ok, 20));
    assert.deepEqual(await c.flush(), { ok: true, status: 202, delivered: 1 });
    assert.equal(store.load(), null);
    assert.equal((await c.heartbeat()).reason, 'uninstalled');
  });

  test('an installation id is created once and kept', async () => {
    const store = new MemoryStateStore();
    const a = new TelemetryClient(options({ store, installationId: undefined }));
    await a.stop();
    const b = new TelemetryClient(options({ store, installationId: undefined }));
    assert.match(a.installationId, /^[0-9a-f-]{36}$/);
    assert.equal(b.installationId, a.installationId);
  });

  test('withdrawing consent drops the queue and stops sending', async () => {
    const ingest = fakeIngest(() => ({ status: 202, body: {} }));
    const c = new TelemetryClient(options({ fetch: ingest.fetch }));
    c.recordError('x');
    c.setConsent(false);
    assert.equal((await c.flush()).reason, 'no_consent');
    c.setConsent(true);
    assert.deepEqual(await c.flush(), { ok: true, delivered: 0 });
    assert.equal(ingest.seen.length, 0);
  });

  test('options are checked at construction', () => {
    const bad: [Partial<TelemetryOptions>, RegExp][] = [
      [{ pinnedKeys: {} }, /pinnedKeys/],
      [{ pinnedKeys: { k1: 'AAAA' } }, /32-byte/],
      [{ installationId: 'shop-1' }, /UUID/],
      [{ ingestUrl: 'ftp://x' }, /http/],
      [{ ingestUrl: 'not a url' }, /absolute/],
      [{ apiKey: ' ' }, /apiKey/],
      [{ cms: 'joomla' as 'custom' }, /cms/],
      [{ store: undefined }, /statePath/],
      [{ pollIntervalMs: -1 }, /pollIntervalMs/],
    ];
    for (const [over, message] of bad) assert.throws(() => new TelemetryClient(options(over)), message, JSON.stringify(over));
  });
});
