// The Node platform layer: the fetch transport's bounds (timeout, no redirects,
// answer size), Ed25519 with node:crypto, and the atomic state file.

import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ed25519Verify } from '../src/platform/crypto';
import { FileStateStore } from '../src/platform/store';
import { fetchTransport, MAX_REQUEST_TIMEOUT_MS, TransportError } from '../src/platform/transport';

describe('fetch transport', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
        res.end();
        return;
      }
      if (req.url === '/huge') {
        res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
        res.end(Buffer.alloc(2 * 1024 * 1024));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag: '"e"' });
      res.end(JSON.stringify({ auth: req.headers['authorization'] ?? null }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const address = server.address();
    if (address !== null && typeof address === 'object') base = `http://127.0.0.1:${address.port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const transport = fetchTransport();

  test('answers with status, headers and text', async () => {
    const r = await transport({ method: 'GET', url: `${base}/ok`, headers: { authorization: 'Bearer k' }, timeoutMs: 1000 });
    assert.equal(r.status, 200);
    assert.equal(r.header('etag'), '"e"');
    assert.deepEqual(JSON.parse(r.text), { auth: 'Bearer k' });
  });

  test('a hanging server is cut at the timeout, never later than 2 s', async () => {
    const started = Date.now();
    await assert.rejects(
      transport({ method: 'GET', url: `${base}/hang`, headers: {}, timeoutMs: 150 }),
      (e: unknown) => e instanceof TransportError && e.kind === 'timeout',
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(MAX_REQUEST_TIMEOUT_MS, 2000);
    const clamped = Date.now();
    await assert.rejects(transport({ method: 'GET', url: `${base}/hang`, headers: {}, timeoutMs: 60_000 }));
    const took = Date.now() - clamped;
    assert.ok(took >= 1900 && took < 2600, `took ${took} ms`);
  });

  test('redirects are not followed (the API key stays with ingest)', async () => {
    const r = await transport({ method: 'GET', url: `${base}/redirect`, headers: { authorization: 'Bearer k' }, timeoutMs: 1000 });
    assert.equal(r.status, 302);
  });

  test('an oversized answer is refused', async () => {
    await assert.rejects(
      transport({ method: 'GET', url: `${base}/huge`, headers: {}, timeoutMs: 1000 }),
      (e: unknown) => e instanceof TransportError && e.kind === 'network',
    );
  });

  test('a refused connection is a network failure', async () => {
    await assert.rejects(
      transport({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {}, timeoutMs: 1000 }),
      (e: unknown) => e instanceof TransportError && e.kind === 'network',
    );
  });
});

describe('ed25519 with node:crypto', () => {
  test('verifies a raw 32-byte key and refuses anything else', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const raw = new Uint8Array(spki.subarray(spki.length - 32));
    const msg = new TextEncoder().encode('{"a":1}');
    const sig = new Uint8Array(sign(null, msg, privateKey));
    assert.equal(ed25519Verify(raw, msg, sig), true);
    assert.equal(ed25519Verify(raw, new TextEncoder().encode('{"a":2}'), sig), false);
    assert.equal(ed25519Verify(raw.subarray(1), msg, sig), false);
    assert.equal(ed25519Verify(new Uint8Array(32), msg, sig), false);
  });
});

describe('file state store', () => {
  test('writes atomically, owner-only, and reads back; a damaged file reads as none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-node-store-'));
    try {
      const path = join(dir, 'nested', 'state.json');
      const store = new FileStateStore(path);
      assert.equal(store.load(), null);
      await Promise.all([store.save({ n: 1 }), store.save({ n: 2 })]);
      assert.ok([1, 2].includes((store.load() as { n: number }).n));
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(join(dir, 'nested')), ['state.json'], 'no temporary file is left');
      writeFileSync(path, '{"n": ');
      assert.equal(store.load(), null);
      await store.clear();
      assert.equal(store.load(), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
