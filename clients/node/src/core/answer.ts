// Parsing ingest's answers. Lenient about what it does not need (unknown fields are
// ignored, as the server ignores ours), strict about shapes it acts on: a malformed
// notice is dropped, never half-shown.

import type { Notice, PluginAnswer, ServerError, UpgradeAdvice } from './wire';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function parseNotice(v: unknown): Notice | null {
  if (!isObject(v)) return null;
  const id = str(v['notice_id']);
  if (id === null || id.length === 0 || id.length > 64) return null;
  return {
    notice_id: id,
    to_version: str(v['to_version']) ?? '',
    upgrade_type: str(v['upgrade_type']) ?? '',
    priority: str(v['priority']) ?? '',
    critical: v['critical'] === true,
    message: str(v['message']),
    created_at: str(v['created_at']) ?? '',
  };
}

export function parseUpgrade(v: unknown): UpgradeAdvice | null {
  if (!isObject(v)) return null;
  const latest = str(v['latest_version']);
  if (latest === null) return null;
  const requirements: Record<string, string | null> = {};
  const req = v['requirements'];
  if (isObject(req)) {
    for (const [k, r] of Object.entries(req)) requirements[k] = str(r);
  }
  return {
    current_version: str(v['current_version']) ?? '',
    latest_version: latest,
    upgrade_type: str(v['upgrade_type']) ?? '',
    critical: v['critical'] === true,
    required: v['required'] === true,
    priority: str(v['priority']) ?? '',
    reasons: Array.isArray(v['reasons']) ? v['reasons'].filter((r): r is string => typeof r === 'string') : [],
    changelog: str(v['changelog']) ?? '',
    package_url: str(v['package_url']),
    requirements,
  };
}

function parseAnswerObject(o: Json): PluginAnswer {
  const notices: Notice[] = [];
  const seen = new Set<string>();
  if (Array.isArray(o['notices'])) {
    for (const raw of o['notices']) {
      const n = parseNotice(raw);
      // "Shown once": a notice listed twice is shown once.
      if (n !== null && !seen.has(n.notice_id)) {
        seen.add(n.notice_id);
        notices.push(n);
      }
    }
  }
  const next = o['next_heartbeat_in_secs'];
  return {
    signed_toggles: o['signed_toggles'],
    upgrade: parseUpgrade(o['upgrade']),
    notices,
    next_heartbeat_in_secs: typeof next === 'number' && Number.isFinite(next) && next > 0 ? next : null,
  };
}

/** A heartbeat's 202 body: the answer's fields at the top level. */
export function parseHeartbeatAnswer(text: string): PluginAnswer | null {
  const v = parseJson(text);
  return isObject(v) ? parseAnswerObject(v) : null;
}

/** A config poll's 200 body: `{"installation_id", "config": {...answer}}`. */
export function parseConfigAnswer(text: string): PluginAnswer | null {
  const v = parseJson(text);
  if (!isObject(v) || !isObject(v['config'])) return null;
  return parseAnswerObject(v['config']);
}

/** A 4xx/5xx body, when it is ingest's error shape. */
export function parseServerError(text: string): ServerError | null {
  const v = parseJson(text);
  if (!isObject(v) || !isObject(v['error'])) return null;
  const e = v['error'];
  const code = str(e['code']);
  if (code === null) return null;
  return { code, message: str(e['message']) ?? '', field: str(e['field']) };
}
