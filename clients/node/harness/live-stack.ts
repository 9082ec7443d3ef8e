// The live stack the conformance scenarios run against: ingest (plugins' side), the
// Ops API (notices), and the `ptctl` CLI for what a plugin cannot do itself (a
// merchant and its API key, toggles). Loopback only: a non-127.0.0.1 URL is refused.

import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file runs from clients/node/dist/harness/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const CLIENT_ROOT = resolve(__dirname, '..', '..');

function loopback(name: string, raw: string): string {
  const url = new URL(raw);
  if (url.hostname !== '127.0.0.1') throw new Error(`${name} must point at 127.0.0.1 (got ${url.hostname})`);
  return url.toString().replace(/\/+$/, '');
}

export const INGEST_URL = loopback('INGEST_URL', process.env['INGEST_URL'] ?? 'http://127.0.0.1:8080');
export const OPS_API_URL = loopback('PUBLIC_API_URL', process.env['PUBLIC_API_URL'] ?? 'http://127.0.0.1:8081');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry';
const TARGET_DIR = process.env['CARGO_TARGET_DIR'] ?? '/root/.cache/plugin-telemetry/target';
export const PTCTL = process.env['PTCTL'] ?? join(TARGET_DIR, 'debug', 'ptctl');
const SIGNING_KEYS = process.env['INGEST_SIGNING_KEYS_FILE'] ?? join(REPO_ROOT, '.state', 'signing-keys');
const AGENT_TOKEN_CACHE = join(CLIENT_ROOT, '.test-cache', 'ops-agent-token');

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The public keys of a `key_id base64_seed` file (ingest/src/signing.rs), derived with node:crypto. */
export function publicKeysFromSeeds(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [id, seed] = trimmed.split(/\s+/);
    if (id === undefined || seed === undefined) continue;
    const raw = Buffer.from(seed, 'base64');
    if (raw.length !== 32) throw new Error(`signing key ${id}: the seed is not 32 bytes`);
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    keys[id] = spki.subarray(spki.length - 32).toString('base64');
  }
  return keys;
}

function run(file: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, env: { ...process.env, DATABASE_URL, LOG_FORMAT: 'text' } },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else ok(stdout);
      },
    );
  });
}

/** notify-upgrade's 409 `up_to_date`: no release above the installation's version. */
export class UpToDate extends Error {}

export interface Merchant {
  id: string;
  apiKey: string;
}

async function http(method: string, url: string, headers: Record<string, string>, body?: unknown) {
  const init: RequestInit = { method, headers, signal: AbortSignal.timeout(5000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let r: Response;
  try {
    r = await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? String(e);
    throw new Error(`${method} ${new URL(url).origin} is not reachable (${cause})`);
  }
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: r.status, json, text };
}

export class LiveStack {
  private agentToken: string | null = null;

  private constructor(readonly pinnedKeys: Record<string, string>) {}

  /** Checks what the scenarios need, with the reason when something is missing. */
  static async connect(): Promise<LiveStack> {
    if (!existsSync(PTCTL)) throw new Error(`ptctl not found at ${PTCTL} (set CARGO_TARGET_DIR or PTCTL)`);
    if (!existsSync(SIGNING_KEYS)) throw new Error(`signing keys not found at ${SIGNING_KEYS} (set INGEST_SIGNING_KEYS_FILE)`);
    const health = await fetch(`${INGEST_URL}/healthz`, { signal: AbortSignal.timeout(2000) }).catch((e: unknown) => {
      throw new Error(`live ingest is not reachable at ${INGEST_URL}: ${String(e)}`);
    });
    if (health.status !== 200) throw new Error(`live ingest at ${INGEST_URL} answered /healthz with ${health.status}`);
    const keys = publicKeysFromSeeds(readFileSync(SIGNING_KEYS, 'utf8'));
    if (Object.keys(keys).length === 0) throw new Error(`no key in ${SIGNING_KEYS}`);
    return new LiveStack(keys);
  }

  /** A merchant and an API key of its own (`ptctl merchant create`, `ptctl key create`). */
  async createMerchant(name: string, label = 'sdk-node conformance'): Promise<Merchant> {
    const id = (await run(PTCTL, ['merchant', 'create', '--name', name])).trim();
    const out = await run(PTCTL, ['key', 'create', '--merchant', id, '--label', label]);
    const key = /^key:\s+(\S+)/m.exec(out)?.[1];
    if (key === undefined) throw new Error('ptctl key create printed no key');
    return { id, apiKey: key };
  }

  /** A merchant-scoped toggle (`ptctl toggle set`); returns its id. */
  async setToggle(merchant: string, key: string, value: unknown, reason: string, expiresInHours: number | null) {
    const args = ['toggle', 'set', '--key', key, '--value', JSON.stringify(value), '--scope', 'merchant', '--merchant', merchant, '--reason', reason];
    if (expiresInHours !== null) args.push('--expires-in-hours', String(expiresInHours));
    const lines = (await run(PTCTL, args)).trim().split('\n');
    const id = lines[lines.length - 1]?.trim() ?? '';
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`ptctl toggle set printed no id: ${lines.join(' / ')}`);
    return id;
  }

  async revokeToggle(id: string, reason: string): Promise<void> {
    await run(PTCTL, ['toggle', 'revoke', '--id', id, '--reason', reason]);
  }

  /**
   * An operator's token for the Ops API, created once with `ptctl agent create` and
   * cached (outside git) in clients/node/.test-cache/ so runs do not pile up agents.
   */
  private async operatorToken(): Promise<string> {
    if (this.agentToken !== null) return this.agentToken;
    if (existsSync(AGENT_TOKEN_CACHE)) {
      const cached = readFileSync(AGENT_TOKEN_CACHE, 'utf8').trim();
      const me = await http('GET', `${OPS_API_URL}/api/v1/auth/me`, { authorization: `Bearer ${cached}` });
      if (me.status === 200) return (this.agentToken = cached);
    }
    const token = (await run(PTCTL, ['agent', 'create', '--name', 'sdk-node-conformance', '--role', 'operator'])).trim();
    mkdirSync(join(CLIENT_ROOT, '.test-cache'), { recursive: true, mode: 0o700 });
    writeFileSync(AGENT_TOKEN_CACHE, `${token}\n`, { mode: 0o600 });
    return (this.agentToken = token);
  }

  /**
   * An Ops upgrade notice to one installation (`POST /api/v1/plugins/{id}/notify-upgrade`),
   * retried while the installation has not reached PostgreSQL yet (404).
   */
  async notifyUpgrade(installationId: string, message: string, withinMs: number): Promise<string> {
    // Needs the Ops API (and the aggregator, which brings the installation to PostgreSQL).
    const token = await this.operatorToken();
    const deadline = Date.now() + withinMs;
    for (;;) {
      const r = await http('POST', `${OPS_API_URL}/api/v1/plugins/${installationId}/notify-upgrade`, { authorization: `Bearer ${token}` }, { message });
      const id = (r.json as { notification_id?: unknown } | null)?.notification_id;
      if ((r.status === 202 || r.status === 200) && typeof id === 'string') return id;
      if (r.status === 409 && (r.json as { code?: unknown } | null)?.code === 'up_to_date') throw new UpToDate(r.text);
      if (r.status !== 404 || Date.now() > deadline) throw new Error(`notify-upgrade answered ${r.status}: ${r.text}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }

  /**
   * Publishes a stable release (`ptctl version publish`); one already published is
   * fine. The registry is shared and releases stay: only ever a patch release of the
   * scenarios' own line, below every line the e2e tests publish (`next_major`).
   */
  async publishRelease(cms: string, version: string, changelog: string): Promise<void> {
    try {
      await run(PTCTL, ['version', 'publish', '--cms', cms, '--version', version, '--changelog', changelog]);
    } catch (e) {
      if (!/already/i.test(String(e))) throw e;
    }
  }

  /** The signed payload live ingest hands an installation now (asked directly). */
  async signedToggles(apiKey: string, query: string): Promise<{ payload: string }> {
    const r = await http('GET', `${INGEST_URL}/api/v1/plugins/config?${query}`, { authorization: `Bearer ${apiKey}` });
    if (r.status !== 200) throw new Error(`config answered ${r.status}: ${r.text}`);
    return (r.json as { config: { signed_toggles: { payload: string } } }).config.signed_toggles;
  }

  /** The notice ids live ingest lists for an installation now (asked directly, not through the client). */
  async listedNotices(apiKey: string, query: string): Promise<string[]> {
    const r = await http('GET', `${INGEST_URL}/api/v1/plugins/config?${query}`, { authorization: `Bearer ${apiKey}` });
    if (r.status !== 200) throw new Error(`config answered ${r.status}: ${r.text}`);
    const notices = (r.json as { config?: { notices?: { notice_id: string }[] } }).config?.notices ?? [];
    return notices.map((n) => n.notice_id);
  }
}
