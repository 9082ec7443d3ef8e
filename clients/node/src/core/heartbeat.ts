// Request bodies the client sends: the full heartbeat body
// (`schemas::heartbeat::HeartbeatRequest`), the config poll's query
// (`ingest/src/routes/config.rs`) and typed events (`schemas::event::EventRequest`).

import type { Cms, Environment, EventType } from './wire';

/** Who this installation is: everything the server needs to resolve its toggles. */
export interface Identity {
  installationId: string;
  merchantId: string | null;
  cms: Cms;
  pluginVersion: string;
  cmsVersion: string | null;
  runtimeVersion: string | null;
  siteHost: string | null;
  environment: Environment;
  /** `server_info`: flat string map (schemas::fields::flat_map). */
  serverInfo: Record<string, string>;
}

export interface HourCounters {
  requests_last_hour: number | null;
  errors_last_hour: number;
  last_error_code: string | null;
}

/** The full heartbeat body. `heartbeat_id` is the same on every retry of one heartbeat. */
export function heartbeatBody(
  id: Identity,
  counters: HourCounters,
  heartbeatId: string,
  now: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    installation_id: id.installationId,
    heartbeat_id: heartbeatId,
    cms: id.cms,
    plugin_version: id.pluginVersion,
    sdk_language: 'node',
    environment: id.environment,
    errors_last_hour: counters.errors_last_hour,
    sent_at: new Date(now).toISOString(),
  };
  if (id.merchantId !== null) body['merchant_id'] = id.merchantId;
  if (id.cmsVersion !== null) body['cms_version'] = id.cmsVersion;
  if (id.runtimeVersion !== null) body['runtime_version'] = id.runtimeVersion;
  if (id.siteHost !== null) body['site_host'] = id.siteHost;
  if (counters.requests_last_hour !== null) body['requests_last_hour'] = counters.requests_last_hour;
  if (counters.last_error_code !== null) body['last_error_code'] = counters.last_error_code;
  if (Object.keys(id.serverInfo).length > 0) body['server_info'] = { ...id.serverInfo };
  return body;
}

/** `GET /api/v1/plugins/config?...`: installation_id, cms and plugin_version are required. */
export function configQuery(id: Identity): string {
  const q = new URLSearchParams({
    installation_id: id.installationId,
    cms: id.cms,
    plugin_version: id.pluginVersion,
  });
  if (id.runtimeVersion !== null) q.set('runtime_version', id.runtimeVersion);
  if (id.cmsVersion !== null) q.set('cms_version', id.cmsVersion);
  return q.toString();
}

/** An event waiting in the durable queue; `event_id` is its idempotency id. */
export interface QueuedEvent {
  event_id: string;
  type: EventType;
  occurred_at: string;
  error_code?: string;
  message?: string;
  notice_id?: string;
  toggle_key?: string;
  data?: Record<string, string>;
}

/** One event as ingest reads it. */
export function eventBody(id: Identity, e: QueuedEvent): Record<string, unknown> {
  const body: Record<string, unknown> = {
    event_id: e.event_id,
    type: e.type,
    installation_id: id.installationId,
    cms: id.cms,
    plugin_version: id.pluginVersion,
    occurred_at: e.occurred_at,
  };
  if (id.merchantId !== null) body['merchant_id'] = id.merchantId;
  if (id.siteHost !== null) body['site_host'] = id.siteHost;
  if (e.error_code !== undefined) body['error_code'] = e.error_code;
  if (e.message !== undefined) body['message'] = e.message;
  if (e.notice_id !== undefined) body['notice_id'] = e.notice_id;
  if (e.toggle_key !== undefined) body['toggle_key'] = e.toggle_key;
  if (e.data !== undefined && Object.keys(e.data).length > 0) body['data'] = { ...e.data };
  return body;
}
