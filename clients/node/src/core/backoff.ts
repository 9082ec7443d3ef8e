// When to ask ingest again. 429 and 503 carry `Retry-After` (ingest/src/error.rs):
// no request of any kind before it. Other failures (network, timeout, other 5xx, 401,
// 4xx) back off exponentially with jitter, so a fleet that lost ingest at the same
// second does not come back at the same second.

/** Longest wait a `Retry-After` may impose (a broken proxy must not silence a site for weeks). */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;
/** Shortest: `Retry-After: 0` still means "not in this same instant". */
export const MIN_RETRY_AFTER_MS = 1000;

/**
 * `Retry-After` as delta-seconds or an HTTP-date, as a delay in ms from `now`,
 * clamped to [1 s, 24 h]; null when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header === null || header === undefined) return null;
  const value = header.trim();
  if (value === '') return null;
  let delay: number;
  if (/^\d+$/.test(value)) {
    delay = Number(value) * 1000;
  } else {
    const at = Date.parse(value);
    if (!Number.isFinite(at) || !/[A-Za-z]/.test(value)) return null;
    delay = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, delay));
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait after the `failures`-th consecutive failure (1 = first): "equal jitter",
 * half of min(max, base * 2^(failures-1)) fixed and half random, so it never drops to
 * zero and never exceeds the cap.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  const n = Math.max(1, Math.floor(failures));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 30));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}
