// The pure core, by tables of cases: signed-toggles verification, toggle expiry,
// backoff and Retry-After, request bodies, answer parsing, the event queue, counters,
// notices and the state file's restore.

import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';

import { backoffDelay, parseRetryAfter } from '../src/core/backoff';
import { parseConfigAnswer, parseHeartbeatAnswer, parseServerError } from '../src/core/answer';
import { configQuery, eventBody, heartbeatBody, type Identity, type QueuedEvent } from '../src/core/heartbeat';
import {
  changedToggles,
  decodeBase64,
  nextExpiry,
  toggleValue,
  verifySignedToggles,
  type Ed25519Verify,
  type VerifyContext,
} from '../src/core/signed';
import {
  bump,
  enqueue,
  initialState,
  lastHour,
  nextBatch,
  pendingNotices,
  refusedEventIndex,
  restoreState,
  withNotices,
  withoutDelivered,
} from '../src/core/state';
import { SDK_VERSION } from '../src/version';

const INSTALLATION = '5f0e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f';
const MERCHANT = '0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a';
const T0 = Date.parse('2026-11-29T13:10:00Z');

function keyPair(): { priv: KeyObject; raw: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { priv: privateKey, raw: new Uint8Array(spki.subarray(spki.length - 32)) };
}

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const nodeVerify: Ed25519Verify = (raw, msg, sig) =>
  verify(null, msg, { key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' }, sig);

const pinned = keyPair();
const rogue = keyPair();

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The canonical payload as policy::signed::canonical_payload writes it (keys sorted). */
function payload(o: {
  installation?: string;
  merchant?: string;
  cms?: string;
  version?: string;
  toggles?: Record<string, unknown>;
  expiries?: Record<string, string | null>;
  issued?: number;
  expires?: number;
  legacy?: boolean;
}): string {
  if (o.legacy === true) {
    // A server from before the payload named its facts and carried advice and notices.
    return JSON.stringify({
      expires_at: iso(o.expires ?? T0 + 7200_000),
      installation_id: o.installation ?? INSTALLATION,
      issued_at: iso(o.issued ?? T0),
      toggle_expires_at: o.expiries ?? {},
      toggles: o.toggles ?? {},
    });
  }
  return JSON.stringify({
    cms: o.cms ?? 'shopify',
    expires_at: iso(o.expires ?? T0 + 7200_000),
    installation_id: o.installation ?? INSTALLATION,
    issued_at: iso(o.issued ?? T0),
    merchant_id: o.merchant ?? MERCHANT,
    notices: [],
    plugin_version: o.version ?? '2.4.1',
    poll_interval_secs: 300,
    toggle_expires_at: o.expiries ?? {},
    toggles: o.toggles ?? {},
    upgrade: null,
  });
}

function signed(p: string, key: KeyObject = pinned.priv, keyId = 'k1') {
  return { payload: p, signature: sign(null, Buffer.from(p), key).toString('base64'), key_id: keyId, algorithm: 'Ed25519' };
}

function ctx(over: Partial<VerifyContext> = {}): VerifyContext {
  return {
    pinnedKeys: new Map([['k1', pinned.raw]]),
    installationId: INSTALLATION,
    merchantId: MERCHANT,
    cms: 'shopify',
    pluginVersion: '2.4.1',
    now: T0 + 1000,
    lastIssuedAt: null,
    verify: nodeVerify,
    received: true,
    ...over,
  };
}

describe('signed toggles', () => {
  const good = payload({ toggles: { block_plugin: true }, expiries: { block_plugin: iso(T0 + 1800_000) } });

  test('the server\'s own canonical example verifies and decodes', () => {
    // policy/src/signed.rs the_payload_is_canonical
    const p =
      '{"cms":"woocommerce","expires_at":"2026-11-29T14:10:00Z","installation_id":"00000000-0000-0000-0000-000000000000","issued_at":"2026-11-29T13:10:00Z","merchant_id":"00000000-0000-0000-0000-000000000001","notices":[],"plugin_version":"1.2.0","poll_interval_secs":300,"toggle_expires_at":{"block_plugin":"2026-11-29T13:40:00Z","force_update":null},"toggles":{"block_plugin":{"a":[2,1],"b":1},"force_update":true},"upgrade":{"latest_version":"1.3.0","package_url":"https://dl.example/p.zip","required":true}}';
    const v = verifySignedToggles(
      signed(p),
      ctx({ installationId: '00000000-0000-0000-0000-000000000000', merchantId: '00000000-0000-0000-0000-000000000001', cms: 'woocommerce', pluginVersion: '1.2.0' }),
    );
    assert.ok(v.ok);
    assert.deepEqual(v.toggles.toggles, { block_plugin: { a: [2, 1], b: 1 }, force_update: true });
    assert.equal(v.toggles.toggle_expires_at['block_plugin'], Date.parse('2026-11-29T13:40:00Z'));
    assert.equal(v.toggles.toggle_expires_at['force_update'], null);
    assert.equal(v.toggles.poll_interval_secs, 300);
    assert.deepEqual(v.toggles.notices, []);
    assert.equal(v.toggles.upgrade?.package_url, 'https://dl.example/p.zip');
    assert.equal(v.toggles.upgrade?.required, true);
  });

  test('signed notices and advice are decoded; an older server\'s payload carries none', () => {
    const notice = { created_at: 't', critical: true, message: null, notice_id: 'n1', priority: 'critical', to_version: '3.0.1', upgrade_type: 'major' };
    const p = JSON.parse(payload({})) as Record<string, unknown>;
    p['notices'] = [notice, notice];
    const v = verifySignedToggles(signed(JSON.stringify(p)), ctx());
    assert.ok(v.ok);
    assert.deepEqual(v.toggles.notices?.map((n) => n.notice_id), ['n1']);
    assert.equal(v.toggles.upgrade, null);
    const legacy = verifySignedToggles(signed(payload({ legacy: true })), ctx());
    assert.ok(legacy.ok);
    assert.equal(legacy.toggles.notices, undefined);
    assert.equal(legacy.toggles.upgrade, undefined);
    assert.equal(legacy.toggles.merchant_id, null);
  });

  const cases: [string, unknown, Partial<VerifyContext>, string | null][] = [
    ['valid', signed(good), {}, null],
    ['missing', undefined, {}, 'missing'],
    ['not an object', 'x', {}, 'malformed'],
    ['other algorithm', { ...signed(good), algorithm: 'HS256' }, {}, 'unsupported_algorithm'],
    ['unknown key id', signed(good, rogue.priv, 'rogue'), {}, 'unknown_key'],
    ['pinned id, other key', signed(good, rogue.priv, 'k1'), {}, 'bad_signature'],
    ['tampered payload', { ...signed(good), payload: good.replace('true', 'false') }, {}, 'bad_signature'],
    ['re-serialised payload (whitespace)', { ...signed(good), payload: JSON.stringify(JSON.parse(good), null, 1) }, {}, 'bad_signature'],
    ['signature not base64', { ...signed(good), signature: '***' }, {}, 'bad_signature'],
    ['signature too short', { ...signed(good), signature: 'AAAA' }, {}, 'bad_signature'],
    ['signed garbage', signed('not json'), {}, 'malformed'],
    ['no issued_at', signed('{"installation_id":"' + INSTALLATION + '","toggles":{},"toggle_expires_at":{},"expires_at":"2026-11-29T15:10:00Z"}'), {}, 'malformed'],
    ['bad toggle expiry', signed(payload({ toggles: { a: 1 }, expiries: { a: 'soon' } })), {}, 'malformed'],
    ['other installation', signed(payload({ installation: '00000000-0000-0000-0000-000000000001' })), {}, 'wrong_installation'],
    ['other merchant', signed(payload({ merchant: '00000000-0000-0000-0000-000000000001' })), {}, 'wrong_merchant'],
    ['other merchant, none known yet', signed(payload({ merchant: '00000000-0000-0000-0000-000000000001' })), { merchantId: null }, null],
    ['other merchant, read back', signed(payload({ merchant: '00000000-0000-0000-0000-000000000001' })), { received: false }, 'wrong_merchant'],
    ['other cms', signed(payload({ cms: 'woocommerce' })), {}, 'wrong_plugin'],
    ['other plugin version', signed(payload({ version: '2.4.0' })), {}, 'wrong_plugin'],
    ['other plugin version, read back after an upgrade', signed(payload({ version: '2.4.0' })), { received: false }, null],
    ['an older server\'s payload (no facts named)', signed(payload({ legacy: true, toggles: { a: 1 } })), {}, null],
    ['installation in upper case', signed(payload({ installation: INSTALLATION.toUpperCase() })), {}, null],
    ['expired', signed(good), { now: T0 + 7200_000 }, 'expired'],
    ['older than the last accepted', signed(good), { lastIssuedAt: T0 + 1000 }, 'replayed'],
    ['as old as the last accepted (same second)', signed(good), { lastIssuedAt: T0 }, null],
    ['expired but read back from our own state', signed(good), { now: T0 + 9e6, lastIssuedAt: T0 + 5000, received: false }, null],
    ['a throwing verifier', signed(good), { verify: () => { throw new Error('x'); } }, 'bad_signature'],
  ];
  for (const [name, raw, over, want] of cases) {
    test(name, () => {
      const v = verifySignedToggles(raw, ctx(over));
      assert.equal(v.ok ? null : v.reason, want);
    });
  }

  test('each toggle ends at its own toggle_expires_at', () => {
    const p = payload({
      toggles: { enable_debug: true, force_update: true },
      expiries: { enable_debug: iso(T0 + 600_000), force_update: null },
    });
    const v = verifySignedToggles(signed(p), ctx());
    assert.ok(v.ok);
    assert.equal(toggleValue(v.toggles, 'enable_debug', T0 + 599_999), true);
    assert.equal(toggleValue(v.toggles, 'enable_debug', T0 + 600_000), undefined);
    assert.equal(toggleValue(v.toggles, 'force_update', T0 + 1e9), true);
    assert.equal(toggleValue(v.toggles, 'absent', T0), undefined);
    assert.equal(toggleValue(null, 'force_update', T0), undefined);
    assert.equal(toggleValue(v.toggles, 'toString', T0), undefined);
    assert.equal(nextExpiry(v.toggles), T0 + 600_000);
  });

  test('changed toggles name additions, changes and removals', () => {
    const a = verifySignedToggles(signed(payload({ toggles: { a: 1, b: true } })), ctx());
    const b = verifySignedToggles(signed(payload({ toggles: { a: 2, c: 'x' } })), ctx());
    assert.ok(a.ok && b.ok);
    assert.deepEqual(changedToggles(a.toggles, b.toggles), ['a', 'b', 'c']);
    assert.deepEqual(changedToggles(null, a.toggles), ['a', 'b']);
    assert.deepEqual(changedToggles(a.toggles, a.toggles), []);
  });

  test('strict base64', () => {
    assert.deepEqual(decodeBase64('AAE='), new Uint8Array([0, 1]));
    for (const bad of ['', 'AAE', 'A=AE', 'AA E=', 'AAE=\n']) assert.equal(decodeBase64(bad), null, bad);
  });
});

describe('backoff', () => {
  test('Retry-After as seconds or HTTP-date, clamped', () => {
    const now = Date.parse('2026-12-03T14:00:00Z');
    const cases: [string | null, number | null][] = [
      [null, null],
      ['', null],
      ['soon', null],
      ['-5', null],
      ['5', 5000],
      ['0', 1000],
      ['999999999', 24 * 3600_000],
      ['Thu, 03 Dec 2026 14:00:30 GMT', 30_000],
      ['Thu, 03 Dec 2026 13:00:00 GMT', 1000],
    ];
    for (const [header, want] of cases) assert.equal(parseRetryAfter(header, now), want, String(header));
  });

  test('exponential with equal jitter, capped', () => {
    const policy = { baseMs: 1000, maxMs: 60_000 };
    assert.equal(backoffDelay(1, policy, () => 0), 500);
    assert.equal(backoffDelay(1, policy, () => 1), 1000);
    assert.equal(backoffDelay(3, policy, () => 0.5), 3000);
    assert.equal(backoffDelay(10, policy, () => 1), 60_000);
    assert.equal(backoffDelay(10_000, policy, () => 0), 30_000);
    for (let n = 1; n < 40; n++) {
      const d = backoffDelay(n, policy, Math.random);
      assert.ok(d > 0 && d <= 60_000, `${n}: ${d}`);
    }
  });
});

const identity: Identity = {
  installationId: INSTALLATION,
  merchantId: '0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a',
  cms: 'shopify',
  pluginVersion: '2.4.1',
  cmsVersion: null,
  runtimeVersion: '20.11.0',
  siteHost: 'shop.example.com',
  environment: 'production',
  serverInfo: { sdk: 'x' },
};

describe('request bodies', () => {
  test('the heartbeat body is the full one of schemas/src/heartbeat.rs', () => {
    const body = heartbeatBody(identity, { requests_last_hour: 12, errors_last_hour: 2, last_error_code: 'card_declined' }, 'hb-1', T0);
    assert.deepEqual(body, {
      installation_id: INSTALLATION,
      heartbeat_id: 'hb-1',
      merchant_id: identity.merchantId,
      cms: 'shopify',
      plugin_version: '2.4.1',
      sdk_language: 'node',
      runtime_version: '20.11.0',
      site_host: 'shop.example.com',
      environment: 'production',
      requests_last_hour: 12,
      errors_last_hour: 2,
      last_error_code: 'card_declined',
      server_info: { sdk: 'x' },
      sent_at: '2026-11-29T13:10:00.000Z',
    });
    const minimal = heartbeatBody({ ...identity, merchantId: null, siteHost: null, runtimeVersion: null, serverInfo: {} }, { requests_last_hour: null, errors_last_hour: 0, last_error_code: null }, 'hb', T0);
    for (const absent of ['merchant_id', 'site_host', 'runtime_version', 'server_info', 'requests_last_hour', 'last_error_code', 'cms_version']) {
      assert.ok(!(absent in minimal), absent);
    }
  });

  test('the config query carries what config.rs requires', () => {
    const q = new URLSearchParams(configQuery(identity));
    assert.equal(q.get('installation_id'), INSTALLATION);
    assert.equal(q.get('cms'), 'shopify');
    assert.equal(q.get('plugin_version'), '2.4.1');
    assert.equal(q.get('runtime_version'), '20.11.0');
    assert.equal(q.has('cms_version'), false);
  });

  test('an event carries its idempotency id and only the fields it has', () => {
    const e = eventBody(identity, { event_id: 'e1', type: 'notice_acknowledged', occurred_at: 't', notice_id: 'n1' });
    assert.deepEqual(e, {
      event_id: 'e1',
      type: 'notice_acknowledged',
      installation_id: INSTALLATION,
      merchant_id: identity.merchantId,
      cms: 'shopify',
      plugin_version: '2.4.1',
      site_host: 'shop.example.com',
      occurred_at: 't',
      notice_id: 'n1',
    });
  });
});

describe('answers', () => {
  const notice = { notice_id: 'n1', to_version: '3.0.1', upgrade_type: 'major', priority: 'critical', critical: true, message: null, created_at: 't' };
  test('a heartbeat answer and a config answer carry the same fields', () => {
    const answer = { signed_toggles: { payload: 'p' }, upgrade: { latest_version: '3.0.1', reasons: ['x', 1] }, notices: [notice, notice, { bad: 1 }] };
    const hb = parseHeartbeatAnswer(JSON.stringify({ status: 'accepted', ...answer, next_heartbeat_in_secs: 3600 }));
    const cfg = parseConfigAnswer(JSON.stringify({ installation_id: INSTALLATION, config: answer }));
    assert.ok(hb !== null && cfg !== null);
    assert.equal(hb.next_heartbeat_in_secs, 3600);
    assert.equal(cfg.next_heartbeat_in_secs, null);
    for (const a of [hb, cfg]) {
      assert.deepEqual(a.signed_toggles, { payload: 'p' });
      assert.deepEqual(a.notices, [notice], 'a duplicate and a malformed notice are dropped');
      assert.deepEqual(a.upgrade?.reasons, ['x']);
    }
    assert.equal(parseConfigAnswer('{"config": 1}'), null);
    assert.equal(parseHeartbeatAnswer('nope'), null);
  });

  test('error bodies', () => {
    assert.deepEqual(parseServerError('{"error":{"code":"invalid_value","message":"m","field":"events[3].type"}}'), {
      code: 'invalid_value',
      message: 'm',
      field: 'events[3].type',
    });
    assert.equal(parseServerError('<html>'), null);
    assert.equal(refusedEventIndex('events[3].type'), 3);
    assert.equal(refusedEventIndex('events[0].'), 0);
    assert.equal(refusedEventIndex('events'), null);
    assert.equal(refusedEventIndex(null), null);
  });
});

describe('state', () => {
  const ev = (id: string): QueuedEvent => ({ event_id: id, type: 'error', occurred_at: 't' });

  test('the queue keeps order, is bounded and drops by id', () => {
    let q = [ev('a'), ev('b')];
    q = enqueue(q, ev('c'), 3);
    q = enqueue(q, ev('d'), 3);
    assert.deepEqual(q.map((e) => e.event_id), ['b', 'c', 'd']);
    assert.deepEqual(nextBatch(q, 2).map((e) => e.event_id), ['b', 'c']);
    assert.deepEqual(withoutDelivered(q, ['c']).map((e) => e.event_id), ['b', 'd']);
    const many = Array.from({ length: 250 }, (_, i) => ev(String(i)));
    assert.equal(nextBatch(many).length, 100);
  });

  test('hourly counters forget minutes older than an hour', () => {
    let c: Record<string, number> = {};
    c = bump(c, T0);
    c = bump(c, T0 + 1000);
    c = bump(c, T0 + 30 * 60_000);
    assert.equal(lastHour(c, T0 + 30 * 60_000), 3);
    assert.equal(lastHour(c, T0 + 61 * 60_000), 1);
    c = bump(c, T0 + 120 * 60_000);
    assert.equal(Object.keys(c).length, 1);
  });

  test('an acknowledged notice stays hidden until the server stops listing it', () => {
    const n = (id: string) => ({ notice_id: id, to_version: '', upgrade_type: '', priority: '', critical: false, message: null, created_at: '' });
    const s = { notices: [n('a'), n('b')], acknowledged: ['a'] };
    assert.deepEqual(pendingNotices(s).map((x) => x.notice_id), ['b']);
    const still = withNotices(s, [n('a'), n('b')]);
    assert.deepEqual(still.acknowledged, ['a']);
    const gone = withNotices(s, [n('b')]);
    assert.deepEqual(gone.acknowledged, []);
  });

  test('a stored state is restored field by field; another version or installation is not', () => {
    const s = initialState(INSTALLATION);
    s.queue = [ev('a')];
    s.etag = '"x"';
    s.retry_at = 5;
    const back = restoreState(JSON.parse(JSON.stringify(s)), null);
    assert.deepEqual(back, s);
    assert.deepEqual(restoreState({ ...s, queue: [ev('a'), { junk: 1 }], failures: 'many', notices: 'x' }, INSTALLATION)?.queue, [ev('a')]);
    assert.equal(restoreState({ ...s, v: 2 }, null), null);
    assert.equal(restoreState(s, '00000000-0000-0000-0000-000000000001'), null);
    assert.equal(restoreState('garbage', null), null);
  });

  test('SDK_VERSION is package.json\'s version', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.equal(SDK_VERSION, pkg.version);
  });
});
