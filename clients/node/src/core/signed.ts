// Verification of the signed payload (`policy/src/signed.rs`, `ingest/src/signing.rs`).
//
// Order: algorithm, a key PINNED in the client (never one fetched from the server),
// the Ed25519 signature over the exact `payload` bytes, then JSON.parse of those bytes
// (never re-serialised), then the payload's own rules: it names this installation and
// (when it says) this merchant, CMS and plugin version; `expires_at` is in the future;
// `issued_at` is not older than the last accepted payload's. Equal `issued_at` is
// accepted: the server writes whole seconds, so two answers of one second share it.
//
// The payload also carries what the plugin acts on besides toggles (upgrade advice
// with its package URL, notices, the poll interval): when present, those signed copies
// are used, never the unsigned ones beside the payload. A payload of a server from
// before they were signed (no `merchant_id`, `cms`, `plugin_version`, `upgrade`,
// `notices`) is still accepted on the rules it can be checked against.

import { parseNotice, parseUpgrade } from './answer';
import type { Notice, SignedToggles, UpgradeAdvice } from './wire';

/** Why a signed payload was refused (sent as the error event's `data.reason`). */
export type Refusal =
  | 'missing'
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_installation'
  | 'wrong_merchant'
  | 'wrong_plugin'
  | 'expired'
  | 'replayed';

/** A verified payload, decoded. Times are milliseconds since the epoch. */
export interface VerifiedToggles {
  installation_id: string;
  toggles: Record<string, unknown>;
  /** Each toggle's own end (null: until revoked). */
  toggle_expires_at: Record<string, number | null>;
  issued_at: number;
  expires_at: number;
  /** The facts the payload is bound to (null: not named, an older server). */
  merchant_id: string | null;
  cms: string | null;
  plugin_version: string | null;
  /** Signed advice and notices; undefined when the payload does not carry them. */
  upgrade: UpgradeAdvice | null | undefined;
  notices: Notice[] | undefined;
  /** How often to poll `/config`, as signed (null: not said). */
  poll_interval_secs: number | null;
}

/** Ed25519 verification, provided by the platform layer (node:crypto on Node). */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface VerifyContext {
  /** key_id → 32-byte Ed25519 public key, pinned in the client's release or options. */
  pinnedKeys: ReadonlyMap<string, Uint8Array>;
  installationId: string;
  /** The client's merchant (configured, or learned from its first accepted payload). */
  merchantId: string | null;
  cms: string;
  pluginVersion: string;
  now: number;
  /** `issued_at` of the last accepted payload (ms), or null for none. */
  lastIssuedAt: number | null;
  verify: Ed25519Verify;
  /**
   * True for a payload just received. False only when re-reading the client's own last
   * verified payload from storage: signature, installation and merchant are checked
   * again, but it may have expired while the process was down, and the plugin may have
   * been upgraded since (the last verified state is kept until the next answer).
   */
  received: boolean;
}

export type Verification =
  | { ok: true; signed: SignedToggles; toggles: VerifiedToggles }
  | { ok: false; reason: Refusal };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTime(v: unknown): number | null {
  if (typeof v !== 'string' || !RFC3339.test(v)) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** Strict base64 (standard alphabet, padded), or null. */
export function decodeBase64(s: string): Uint8Array | null {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asSignedToggles(v: unknown): SignedToggles | null {
  if (!isObject(v)) return null;
  const { payload, signature, key_id, algorithm } = v;
  if (typeof payload !== 'string' || typeof signature !== 'string' || typeof key_id !== 'string') return null;
  return { payload, signature, key_id, algorithm: typeof algorithm === 'string' ? algorithm : '' };
}

/** Decodes the payload's bytes after the signature was verified. */
function decodePayload(payload: string): VerifiedToggles | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(v)) return null;
  const installation = v['installation_id'];
  const toggles = v['toggles'];
  const expiries = v['toggle_expires_at'];
  const issued = parseTime(v['issued_at']);
  const expires = parseTime(v['expires_at']);
  if (typeof installation !== 'string' || !isObject(toggles) || !isObject(expiries)) return null;
  if (issued === null || expires === null) return null;
  const str = (k: string): string | null => (typeof v[k] === 'string' ? (v[k] as string) : null);
  let notices: Notice[] | undefined;
  if (Array.isArray(v['notices'])) {
    const seen = new Set<string>();
    notices = [];
    for (const raw of v['notices']) {
      const n = parseNotice(raw);
      if (n !== null && !seen.has(n.notice_id)) {
        seen.add(n.notice_id);
        notices.push(n);
      }
    }
  }
  const poll = v['poll_interval_secs'];
  const toggleExpiresAt: Record<string, number | null> = {};
  for (const key of Object.keys(toggles)) {
    const raw = expiries[key];
    if (raw === null || raw === undefined) {
      toggleExpiresAt[key] = null;
    } else {
      const t = parseTime(raw);
      if (t === null) return null;
      toggleExpiresAt[key] = t;
    }
  }
  return {
    installation_id: installation,
    toggles: { ...toggles },
    toggle_expires_at: toggleExpiresAt,
    issued_at: issued,
    expires_at: expires,
    merchant_id: str('merchant_id'),
    cms: str('cms'),
    plugin_version: str('plugin_version'),
    upgrade: 'upgrade' in v ? parseUpgrade(v['upgrade']) : undefined,
    notices,
    poll_interval_secs: typeof poll === 'number' && Number.isFinite(poll) && poll > 0 ? poll : null,
  };
}

export function verifySignedToggles(raw: unknown, ctx: VerifyContext): Verification {
  if (raw === undefined || raw === null) return { ok: false, reason: 'missing' };
  const signed = asSignedToggles(raw);
  if (signed === null) return { ok: false, reason: 'malformed' };
  if (signed.algorithm !== 'Ed25519') return { ok: false, reason: 'unsupported_algorithm' };
  const key = ctx.pinnedKeys.get(signed.key_id);
  if (key === undefined) return { ok: false, reason: 'unknown_key' };
  const signature = decodeBase64(signed.signature);
  if (signature === null || signature.length !== 64) return { ok: false, reason: 'bad_signature' };
  const bytes = new TextEncoder().encode(signed.payload);
  let valid = false;
  try {
    valid = ctx.verify(key, bytes, signature);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad_signature' };
  const toggles = decodePayload(signed.payload);
  if (toggles === null) return { ok: false, reason: 'malformed' };
  if (toggles.installation_id.toLowerCase() !== ctx.installationId.toLowerCase()) {
    return { ok: false, reason: 'wrong_installation' };
  }
  if (toggles.merchant_id !== null && ctx.merchantId !== null && toggles.merchant_id.toLowerCase() !== ctx.merchantId.toLowerCase()) {
    return { ok: false, reason: 'wrong_merchant' };
  }
  if (ctx.received) {
    if ((toggles.cms !== null && toggles.cms !== ctx.cms) || (toggles.plugin_version !== null && toggles.plugin_version !== ctx.pluginVersion)) {
      return { ok: false, reason: 'wrong_plugin' };
    }
    if (toggles.expires_at <= ctx.now) return { ok: false, reason: 'expired' };
    if (ctx.lastIssuedAt !== null && toggles.issued_at < ctx.lastIssuedAt) return { ok: false, reason: 'replayed' };
  }
  return { ok: true, signed, toggles };
}

/** A toggle's value at `now`: undefined when absent or past its own `toggle_expires_at`. */
export function toggleValue(v: VerifiedToggles | null, key: string, now: number): unknown {
  if (v === null || !Object.prototype.hasOwnProperty.call(v.toggles, key)) return undefined;
  const end = v.toggle_expires_at[key];
  if (end !== null && end !== undefined && end <= now) return undefined;
  return v.toggles[key];
}

/** The first moment any toggle of `v` ends, or the payload expires (ms), whichever first. */
export function nextExpiry(v: VerifiedToggles): number {
  let first = v.expires_at;
  for (const end of Object.values(v.toggle_expires_at)) {
    if (end !== null && end < first) first = end;
  }
  return first;
}

/** Keys whose value differs between two verified payloads (for `toggle_applied`). */
export function changedToggles(before: VerifiedToggles | null, after: VerifiedToggles): string[] {
  const keys = new Set([...Object.keys(before?.toggles ?? {}), ...Object.keys(after.toggles)]);
  const changed: string[] = [];
  for (const k of [...keys].sort()) {
    const a = before === null ? undefined : JSON.stringify(before.toggles[k]);
    const b = JSON.stringify(after.toggles[k]);
    if (a !== b) changed.push(k);
  }
  return changed;
}
