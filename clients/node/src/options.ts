// The client's options, checked once at construction: a wrong key, URL or pinned key
// fails the app's start, not a checkout later.

import { decodeBase64 } from './core/signed';
import { ENVIRONMENTS, KNOWN_CMS, type Cms, type Environment } from './core/wire';
import type { StateStore } from './platform/store';
import { MAX_REQUEST_TIMEOUT_MS, type FetchLike } from './platform/transport';

export interface Logger {
  warn(message: string, data?: Record<string, unknown>): void;
  debug?(message: string, data?: Record<string, unknown>): void;
}

export interface TelemetryOptions {
  /** Ingest's base URL, e.g. `https://ingest.example.com`. */
  ingestUrl: string;
  /** The merchant's API key (`Authorization: Bearer`). Never written to the state file. */
  apiKey: string;
  /**
   * The Ed25519 public keys that may sign toggles: `{key_id: base64(32 bytes)}`.
   * Pinned in your release; the SDK never fetches keys from the server.
   */
  pinnedKeys: Record<string, string>;
  /** Your app's version, e.g. `2.4.1`. */
  pluginVersion: string;
  /** The merchant agreed to telemetry. Until true, nothing is sent (default false). */
  consent?: boolean;
  /** Where the last verified state and the event queue live (one file per installation). */
  statePath?: string;
  /** Instead of `statePath`: your own storage. */
  store?: StateStore;
  /** A stable UUID for this installation; created once and kept in the state when absent. */
  installationId?: string;
  /** The merchant's id; ingest refuses a body whose merchant disagrees with the key. */
  merchantId?: string;
  /** Default `shopify`. */
  cms?: Cms;
  cmsVersion?: string;
  /** The shop's host, e.g. `my-shop.myshopify.com`. */
  siteHost?: string;
  /** Default `production`. */
  environment?: Environment;
  /**
   * How often the loop started by `start()` polls `/config`. Default: the signed
   * `poll_interval_secs` of ingest's answer (60 s until one arrived); a value here only
   * makes it shorter, never longer (at least 100 ms).
   */
  pollIntervalMs?: number;
  /** Heartbeat period; default the server's `next_heartbeat_in_secs`. */
  heartbeatIntervalMs?: number;
  /** Per request, connect to last byte; at most (and by default) 2000 ms. */
  requestTimeoutMs?: number;
  /** Exponential backoff after failures: first wait (default 1 s) and cap (default 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Default: warnings to console.warn, no debug output. */
  logger?: Logger;
  /** For tests: the clock (ms since the epoch), randomness in [0, 1), and fetch. */
  now?: () => number;
  random?: () => number;
  fetch?: FetchLike;
}

export interface Settings {
  baseUrl: string;
  apiKey: string;
  pinnedKeys: ReadonlyMap<string, Uint8Array>;
  pluginVersion: string;
  consent: boolean;
  statePath: string | null;
  store: StateStore | null;
  installationId: string | null;
  merchantId: string | null;
  cms: Cms;
  cmsVersion: string | null;
  siteHost: string | null;
  environment: Environment;
  pollIntervalMs: number | null;
  heartbeatIntervalMs: number | null;
  requestTimeoutMs: number;
  backoff: { baseMs: number; maxMs: number };
  logger: Logger;
  now: () => number;
  random: () => number;
  fetch: FetchLike | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

function positive(name: string, v: number | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new TypeError(`${name} must be a positive number`);
  return Math.min(max, Math.max(min, v));
}

function optionalText(name: string, v: string | undefined, max: number): string | null {
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string' || v.length > max) throw new TypeError(`${name} must be a string of at most ${max} characters`);
  return v;
}

const consoleLogger: Logger = {
  warn: (message, data) => console.warn(`[plugin-telemetry] ${message}`, data ?? ''),
};

export function settings(o: TelemetryOptions): Settings {
  if (typeof o !== 'object' || o === null) throw new TypeError('options are required');
  let url: URL;
  try {
    url = new URL(o.ingestUrl);
  } catch {
    throw new TypeError('ingestUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('ingestUrl must be http(s)');
  if (typeof o.apiKey !== 'string' || o.apiKey.trim() === '') throw new TypeError('apiKey is required');
  if (typeof o.pluginVersion !== 'string' || o.pluginVersion === '' || o.pluginVersion.length > 64) {
    throw new TypeError('pluginVersion is required (at most 64 characters)');
  }
  const pinned = new Map<string, Uint8Array>();
  for (const [id, b64] of Object.entries(o.pinnedKeys ?? {})) {
    const key = typeof b64 === 'string' ? decodeBase64(b64.trim()) : null;
    if (key === null || key.length !== 32) throw new TypeError(`pinnedKeys.${id} must be base64 of a 32-byte Ed25519 public key`);
    pinned.set(id, key);
  }
  if (pinned.size === 0) throw new TypeError('pinnedKeys must hold at least one Ed25519 public key');
  if (o.installationId !== undefined && !isUuid(o.installationId)) throw new TypeError('installationId must be a UUID');
  if (o.merchantId !== undefined && !isUuid(o.merchantId)) throw new TypeError('merchantId must be a UUID');
  const cms = o.cms ?? 'shopify';
  if (!KNOWN_CMS.includes(cms)) throw new TypeError(`cms must be one of ${KNOWN_CMS.join(', ')}`);
  const environment = o.environment ?? 'production';
  if (!ENVIRONMENTS.includes(environment)) throw new TypeError(`environment must be one of ${ENVIRONMENTS.join(', ')}`);
  if (o.store === undefined && (typeof o.statePath !== 'string' || o.statePath === '')) {
    throw new TypeError('statePath (or store) is required: the last verified state must survive restarts');
  }
  const baseMs = positive('backoffBaseMs', o.backoffBaseMs, 1000, 10, 3600_000);
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    apiKey: o.apiKey.trim(),
    pinnedKeys: pinned,
    pluginVersion: o.pluginVersion,
    consent: o.consent === true,
    statePath: o.statePath ?? null,
    store: o.store ?? null,
    installationId: o.installationId?.toLowerCase() ?? null,
    merchantId: o.merchantId?.toLowerCase() ?? null,
    cms,
    cmsVersion: optionalText('cmsVersion', o.cmsVersion, 64),
    siteHost: optionalText('siteHost', o.siteHost, 253),
    environment,
    pollIntervalMs: o.pollIntervalMs === undefined ? null : positive('pollIntervalMs', o.pollIntervalMs, 0, 100, 24 * 3600_000),
    heartbeatIntervalMs:
      o.heartbeatIntervalMs === undefined ? null : positive('heartbeatIntervalMs', o.heartbeatIntervalMs, 0, 100, 7 * 24 * 3600_000),
    requestTimeoutMs: positive('requestTimeoutMs', o.requestTimeoutMs, MAX_REQUEST_TIMEOUT_MS, 1, MAX_REQUEST_TIMEOUT_MS),
    backoff: { baseMs, maxMs: Math.max(baseMs, positive('backoffMaxMs', o.backoffMaxMs, 300_000, 10, 24 * 3600_000)) },
    logger: o.logger ?? consoleLogger,
    now: o.now ?? Date.now,
    random: o.random ?? Math.random,
    fetch: o.fetch,
  };
}
