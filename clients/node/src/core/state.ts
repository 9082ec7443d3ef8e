// What the client keeps between restarts (the platform layer writes it to a file):
// the last VERIFIED signed payload as received (re-verified when read back), the
// ETag that goes with it, notices, the durable event queue, backoff and counters.
// The API key is never part of it.

import type { QueuedEvent } from './heartbeat';
import type { Notice, SignedToggles, UpgradeAdvice } from './wire';
import { asSignedToggles } from './signed';
import { parseNotice, parseUpgrade } from './answer';

export const STATE_VERSION = 1;
/** Server limit per request (`schemas::event::MAX_EVENTS_PER_BATCH`). */
export const MAX_EVENTS_PER_BATCH = 100;
/** Events kept while ingest is unreachable; beyond it the oldest are dropped. */
export const MAX_QUEUED_EVENTS = 1000;

export interface ClientState {
  v: typeof STATE_VERSION;
  installation_id: string;
  /** The last verified payload, exactly as received. */
  signed: SignedToggles | null;
  /** Its `issued_at` (ms): an older payload is refused as a replay. */
  issued_at: number | null;
  /** ETag of the config answer that carried `signed` (null after any other source). */
  etag: string | null;
  notices: Notice[];
  /** Notices acknowledged here and possibly still listed by the server for a moment. */
  acknowledged: string[];
  upgrade: UpgradeAdvice | null;
  queue: QueuedEvent[];
  /** A refusal was reported since the last accepted payload (report once). */
  refusal_reported: boolean;
  /** No request before this (ms since the epoch). */
  retry_at: number;
  /** Consecutive failures, for exponential backoff. */
  failures: number;
  next_heartbeat_at: number;
  /** The pending heartbeat's idempotency id, kept until a 202. */
  heartbeat_id: string | null;
  /** Minute index (ms / 60000) → count, the last hour only. */
  errors_by_minute: Record<string, number>;
  requests_by_minute: Record<string, number>;
  last_error_code: string | null;
  /**
   * The merchant named by the first accepted payload, when the options name none, and
   * a fingerprint of the API key it came with (a new key may mean a new merchant).
   */
  merchant_id: string | null;
  merchant_key: string | null;
}

export function initialState(installationId: string): ClientState {
  return {
    v: STATE_VERSION,
    installation_id: installationId,
    signed: null,
    issued_at: null,
    etag: null,
    notices: [],
    acknowledged: [],
    upgrade: null,
    queue: [],
    refusal_reported: false,
    retry_at: 0,
    failures: 0,
    next_heartbeat_at: 0,
    heartbeat_id: null,
    errors_by_minute: {},
    requests_by_minute: {},
    last_error_code: null,
    merchant_id: null,
    merchant_key: null,
  };
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof v === 'object' && v !== null) {
    for (const [k, c] of Object.entries(v)) if (/^\d+$/.test(k) && typeof c === 'number' && c > 0) out[k] = c;
  }
  return out;
}

function queuedEvent(v: unknown): QueuedEvent | null {
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Record<string, unknown>;
  if (typeof e['event_id'] !== 'string' || typeof e['type'] !== 'string' || typeof e['occurred_at'] !== 'string') {
    return null;
  }
  const out: QueuedEvent = {
    event_id: e['event_id'],
    type: e['type'] as QueuedEvent['type'],
    occurred_at: e['occurred_at'],
  };
  for (const k of ['error_code', 'message', 'notice_id', 'toggle_key'] as const) {
    const s = e[k];
    if (typeof s === 'string') out[k] = s;
  }
  if (typeof e['data'] === 'object' && e['data'] !== null) {
    const data: Record<string, string> = {};
    for (const [k, s] of Object.entries(e['data'])) if (typeof s === 'string') data[k] = s;
    out.data = data;
  }
  return out;
}

/**
 * A state read back from storage, field by field: whatever is missing or malformed
 * gets its default (a damaged file never stops the client; at worst it forgets).
 * Null when the file is not a state of this version or of another installation.
 * The signed payload is NOT trusted here: the client verifies it again.
 */
export function restoreState(raw: unknown, installationId: string | null): ClientState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r['v'] !== STATE_VERSION || typeof r['installation_id'] !== 'string') return null;
  if (installationId !== null && r['installation_id'].toLowerCase() !== installationId.toLowerCase()) return null;
  const s = initialState(r['installation_id']);
  s.signed = asSignedToggles(r['signed']);
  s.issued_at = typeof r['issued_at'] === 'number' ? r['issued_at'] : null;
  s.etag = typeof r['etag'] === 'string' ? r['etag'] : null;
  s.notices = Array.isArray(r['notices']) ? r['notices'].map(parseNotice).filter((n): n is Notice => n !== null) : [];
  s.acknowledged = Array.isArray(r['acknowledged'])
    ? r['acknowledged'].filter((a): a is string => typeof a === 'string')
    : [];
  s.upgrade = parseUpgrade(r['upgrade']);
  s.queue = Array.isArray(r['queue'])
    ? r['queue'].map(queuedEvent).filter((e): e is QueuedEvent => e !== null).slice(-MAX_QUEUED_EVENTS)
    : [];
  s.refusal_reported = r['refusal_reported'] === true;
  s.retry_at = num(r['retry_at'], 0);
  s.failures = Math.max(0, Math.floor(num(r['failures'], 0)));
  s.next_heartbeat_at = num(r['next_heartbeat_at'], 0);
  s.heartbeat_id = typeof r['heartbeat_id'] === 'string' ? r['heartbeat_id'] : null;
  s.errors_by_minute = counts(r['errors_by_minute']);
  s.requests_by_minute = counts(r['requests_by_minute']);
  s.last_error_code = typeof r['last_error_code'] === 'string' ? r['last_error_code'] : null;
  s.merchant_id = typeof r['merchant_id'] === 'string' ? r['merchant_id'] : null;
  s.merchant_key = typeof r['merchant_key'] === 'string' ? r['merchant_key'] : null;
  return s;
}

// ------------------------------------------------------------------ the event queue

/** Appends, dropping the oldest beyond `MAX_QUEUED_EVENTS`. */
export function enqueue(queue: QueuedEvent[], e: QueuedEvent, max = MAX_QUEUED_EVENTS): QueuedEvent[] {
  const next = [...queue, e];
  return next.length > max ? next.slice(next.length - max) : next;
}

export function nextBatch(queue: readonly QueuedEvent[], max = MAX_EVENTS_PER_BATCH): QueuedEvent[] {
  return queue.slice(0, Math.max(1, max));
}

/** The queue without the events ingest accepted (matched by id: it may have grown meanwhile). */
export function withoutDelivered(queue: readonly QueuedEvent[], delivered: Iterable<string>): QueuedEvent[] {
  const ids = new Set(delivered);
  return queue.filter((e) => !ids.has(e.event_id));
}

/**
 * The index of the event ingest refused in a batch (`field` is `events[3].type`), so
 * a malformed event is dropped instead of blocking the queue forever.
 */
export function refusedEventIndex(field: string | null): number | null {
  if (field === null) return null;
  const m = /^events\[(\d+)\]/.exec(field);
  return m === null ? null : Number(m[1]);
}

// ---------------------------------------------------------------- hourly counters

export function minuteOf(now: number): number {
  return Math.floor(now / 60000);
}

/** Adds one at `now`, forgetting minutes older than an hour. */
export function bump(counter: Record<string, number>, now: number): Record<string, number> {
  const current = minuteOf(now);
  const next: Record<string, number> = {};
  for (const [k, c] of Object.entries(counter)) if (Number(k) > current - 60) next[k] = c;
  next[String(current)] = (next[String(current)] ?? 0) + 1;
  return next;
}

export function lastHour(counter: Record<string, number>, now: number): number {
  const current = minuteOf(now);
  let total = 0;
  for (const [k, c] of Object.entries(counter)) if (Number(k) > current - 60 && Number(k) <= current) total += c;
  return total;
}

// ------------------------------------------------------------------------ notices

/** Notices to show: listed by the server and not acknowledged here. */
export function pendingNotices(state: Pick<ClientState, 'notices' | 'acknowledged'>): Notice[] {
  const acked = new Set(state.acknowledged);
  return state.notices.filter((n) => !acked.has(n.notice_id));
}

/**
 * A new notice list from the server. A local acknowledgement is forgotten once the
 * server stops listing the notice (its `notice_acknowledged` event arrived).
 */
export function withNotices(
  state: Pick<ClientState, 'notices' | 'acknowledged'>,
  listed: Notice[],
): { notices: Notice[]; acknowledged: string[] } {
  const ids = new Set(listed.map((n) => n.notice_id));
  return { notices: listed, acknowledged: state.acknowledged.filter((a) => ids.has(a)) };
}
