// The TelemetryClient: the contract logic of `core/` wired to Node's I/O in
// `platform/`. Two kinds of calls:
//
// - the checkout path (`isBlocked`, `toggle`, `debugEnabled`, `notices`,
//   `upgradeAdvice`): memory reads of the last VERIFIED state, no I/O, never throws;
// - telemetry (`heartbeat`, `pollConfig`, `flush`, `acknowledgeNotice`,
//   `uninstalled`, and the loop `start()` runs): one request at a time, each bounded
//   by the request timeout, nothing before consent, nothing before a `Retry-After`.

import { parseRetryAfter, backoffDelay } from './core/backoff';
import { parseConfigAnswer, parseHeartbeatAnswer, parseServerError } from './core/answer';
import { configQuery, eventBody, heartbeatBody, type Identity, type QueuedEvent } from './core/heartbeat';
import {
  changedToggles,
  nextExpiry,
  toggleValue,
  verifySignedToggles,
  type Refusal,
  type VerifiedToggles,
} from './core/signed';
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
  type ClientState,
} from './core/state';
import {
  BLOCK_PLUGIN,
  ENABLE_DEBUG,
  TOGGLE_SIGNATURE_INVALID,
  type EventType,
  type Notice,
  type PluginAnswer,
  type UpgradeAdvice,
} from './core/wire';
import { settings, type Settings, type TelemetryOptions } from './options';
import { ed25519Verify, keyFingerprint, newId } from './platform/crypto';
import { FileStateStore, type StateStore } from './platform/store';
import { fetchTransport, TransportError, type HttpResponse, type Transport } from './platform/transport';
import { SDK_VERSION } from './version';

export type CallFailure =
  | 'no_consent'
  | 'uninstalled'
  | 'backing_off'
  | 'timeout'
  | 'network'
  | 'http'
  | 'bad_answer'
  | 'invalid_argument';

/** What a telemetry call did. Telemetry calls never throw. */
export interface CallResult {
  ok: boolean;
  /** The HTTP status, when there was an answer. */
  status?: number;
  reason?: CallFailure;
  /** ingest's stable error code (`{"error": {"code"}}`). */
  code?: string;
  /** How long no request will be made (Retry-After or backoff). */
  retryAfterMs?: number;
  /** A config poll answered 304: the cached state is current. */
  notModified?: boolean;
  /** The answer's signed payload was refused; the last verified state is kept. */
  refused?: Refusal;
  /** Events ingest accepted during this call. */
  delivered?: number;
}

const DEFAULT_HEARTBEAT_SECS = 3600;
/** The poll interval until a signed payload names one (the architecture's "within a minute"). */
const DEFAULT_POLL_MS = 60_000;

export class TelemetryClient {
  /** This installation's id (given, or created once and kept in the state). */
  readonly installationId: string;

  private readonly s: Settings;
  private readonly store: StateStore;
  private readonly transport: Transport;
  private readonly identity: Identity;
  private state: ClientState;
  private view: VerifiedToggles | null = null;
  private consent: boolean;
  private finished = false;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private writing: Promise<void> | null = null;
  private saveRequested = false;

  constructor(options: TelemetryOptions) {
    this.s = settings(options);
    if (this.s.store !== null) {
      this.store = this.s.store;
    } else {
      const file = new FileStateStore(this.s.statePath ?? '');
      file.ensureDirectory();
      this.store = file;
    }
    this.transport = fetchTransport(this.s.fetch);
    this.consent = this.s.consent;

    let loaded: unknown = null;
    try {
      loaded = this.store.load();
    } catch (e) {
      this.warn('state not readable; starting empty', e);
    }
    const restored = restoreState(loaded, this.s.installationId);
    this.installationId = this.s.installationId ?? restored?.installation_id ?? newId();
    this.state = restored ?? initialState(this.installationId);
    if (this.state.merchant_key !== keyFingerprint(this.s.apiKey)) {
      this.state.merchant_id = null; // another key: learn its merchant again
      this.state.merchant_key = null;
    }
    if (this.state.signed !== null) {
      // Our own last verified payload: its signature, installation and merchant again,
      // not its age nor the plugin version (it is what we keep while ingest is
      // unreachable, also across an upgrade, until the next answer replaces it).
      const v = verifySignedToggles(this.state.signed, this.verifyContext(false));
      if (v.ok) {
        this.view = v.toggles;
      } else {
        this.warn(`stored signed toggles refused (${v.reason}); starting without them`);
        this.state.signed = null;
        this.state.etag = null;
      }
    }
    this.identity = {
      installationId: this.installationId,
      merchantId: this.s.merchantId,
      cms: this.s.cms,
      pluginVersion: this.s.pluginVersion,
      cmsVersion: this.s.cmsVersion,
      runtimeVersion: process.versions.node,
      siteHost: this.s.siteHost,
      environment: this.s.environment,
      serverInfo: { sdk: `@plugin-telemetry/sdk ${SDK_VERSION}`, os: process.platform, arch: process.arch },
    };
    if (restored === null) this.persistSoon();
  }

  // ------------------------------------------------------------ the checkout path

  /** True while a verified, unexpired `block_plugin` toggle is on. Memory only. */
  isBlocked(): boolean {
    return this.toggle(BLOCK_PLUGIN) === true;
  }

  /** A verified toggle's value, or undefined when absent or past its own expiry. Memory only. */
  toggle(key: string): unknown {
    try {
      return toggleValue(this.view, key, this.s.now());
    } catch {
      return undefined;
    }
  }

  /** True while a verified, unexpired `enable_debug` toggle is on. Memory only. */
  debugEnabled(): boolean {
    return this.toggle(ENABLE_DEBUG) === true;
  }

  /** Unacknowledged in-app notices to show the merchant (each once). Memory only. */
  notices(): Notice[] {
    return pendingNotices(this.state).map((n) => ({ ...n }));
  }

  /** The last upgrade advice (unsigned: show it, do not act on it blindly). Memory only. */
  upgradeAdvice(): UpgradeAdvice | null {
    return this.state.upgrade === null ? null : { ...this.state.upgrade };
  }

  // -------------------------------------------------------------- the merchant's say

  /** Consent given or withdrawn. Withdrawing drops the queued events. */
  setConsent(consent: boolean): void {
    this.consent = consent;
    if (!consent) {
      this.state.queue = [];
      this.state.heartbeat_id = null;
      this.persistSoon();
    } else if (this.running) {
      this.schedule(0);
    }
  }

  // -------------------------------------------------------------------- recording

  /** Queues an `error` event (sent in the next batch) and counts it for the heartbeat. */
  recordError(code: string, message?: string): void {
    if (!this.consent || this.finished) return;
    const now = this.s.now();
    const errorCode = String(code).slice(0, 128) || 'unknown';
    this.state.errors_by_minute = bump(this.state.errors_by_minute, now);
    this.state.last_error_code = errorCode;
    const e: QueuedEvent = this.event('error', now);
    e.error_code = errorCode;
    if (message !== undefined) e.message = String(message).slice(0, 1024);
    this.state.queue = enqueue(this.state.queue, e);
    this.persistSoon();
  }

  /** Counts one handled request for the heartbeat's `requests_last_hour`. */
  recordRequest(): void {
    if (!this.consent || this.finished) return;
    this.state.requests_by_minute = bump(this.state.requests_by_minute, this.s.now());
  }

  // -------------------------------------------------------------------- telemetry

  /** `POST /api/v1/plugins/heartbeat`; its answer refreshes toggles, notices and advice. */
  heartbeat(): Promise<CallResult> {
    return this.exclusive(async () => {
      const closed = this.closed();
      if (closed !== null) return closed;
      this.state.heartbeat_id ??= newId();
      const now = this.s.now();
      const body = heartbeatBody(
        this.identity,
        {
          requests_last_hour: Object.keys(this.state.requests_by_minute).length > 0 ? lastHour(this.state.requests_by_minute, now) : null,
          errors_last_hour: lastHour(this.state.errors_by_minute, now),
          last_error_code: this.state.last_error_code,
        },
        this.state.heartbeat_id,
        now,
      );
      const r = await this.request('POST', '/api/v1/plugins/heartbeat', JSON.stringify(body), null);
      if (!('text' in r)) return r;
      if (r.status !== 202) return this.failed(r);
      this.succeeded();
      this.state.heartbeat_id = null;
      const answer = parseHeartbeatAnswer(r.text);
      const interval = this.s.heartbeatIntervalMs ?? (answer?.next_heartbeat_in_secs ?? DEFAULT_HEARTBEAT_SECS) * 1000;
      this.state.next_heartbeat_at = this.s.now() + interval;
      const result: CallResult = { ok: true, status: 202 };
      if (answer !== null) {
        const refused = this.apply(answer, null);
        if (refused !== null) result.refused = refused;
      }
      await this.persist();
      return result;
    });
  }

  /** `GET /api/v1/plugins/config` with `If-None-Match`; a 304 keeps the cached state. */
  pollConfig(): Promise<CallResult> {
    return this.exclusive(async () => {
      const closed = this.closed();
      if (closed !== null) return closed;
      const now = this.s.now();
      // The ETag vouches for the payload it came with only until one of its toggles
      // (or the payload) ends: from then on ask for a full answer.
      let etag = this.state.etag;
      if (etag !== null && (this.view === null || now >= nextExpiry(this.view))) etag = null;
      const r = await this.request('GET', `/api/v1/plugins/config?${configQuery(this.identity)}`, undefined, etag);
      if (!('text' in r)) return r;
      if (r.status === 304) {
        this.succeeded();
        this.persistSoon();
        return { ok: true, status: 304, notModified: true };
      }
      if (r.status !== 200) return this.failed(r);
      const answer = parseConfigAnswer(r.text);
      if (answer === null) return this.failed(r, 'bad_answer');
      this.succeeded();
      const result: CallResult = { ok: true, status: 200 };
      const refused = this.apply(answer, r.header('etag'));
      if (refused !== null) result.refused = refused;
      await this.persist();
      return result;
    });
  }

  /** Sends queued events now, in batches of up to 100, each event once by its `event_id`. */
  flush(): Promise<CallResult> {
    return this.exclusive(() => this.flushQueue());
  }

  /** Hides the notice here at once and sends `notice_acknowledged` with its id. */
  acknowledgeNotice(noticeId: string): Promise<CallResult> {
    if (typeof noticeId !== 'string' || noticeId === '' || noticeId.length > 64) {
      return Promise.resolve({ ok: false, reason: 'invalid_argument' });
    }
    if (!this.state.acknowledged.includes(noticeId)) this.state.acknowledged.push(noticeId);
    if (this.consent && !this.finished) {
      const e = this.event('notice_acknowledged', this.s.now());
      e.notice_id = noticeId;
      this.state.queue = enqueue(this.state.queue, e);
    }
    this.persistSoon();
    return this.flush();
  }

  /**
   * Sends `uninstalled` (after any queued events). Once ingest accepted it (now, or
   * later from the queue), the client stops and its state is removed.
   */
  uninstalled(): Promise<CallResult> {
    return this.exclusive(async () => {
      const closed = this.closed();
      if (closed !== null) return closed;
      if (!this.state.queue.some((e) => e.type === 'uninstalled')) {
        this.state.queue = enqueue(this.state.queue, this.event('uninstalled', this.s.now()));
      }
      return this.flushQueue();
    });
  }

  // ------------------------------------------------------------------------ loop

  /**
   * Starts the background loop: a heartbeat when due, else a config poll, then queued
   * events; every signed `poll_interval_secs` (or `pollIntervalMs` when shorter), with
   * ±10 % jitter. Timers are unref'd: the loop never keeps the process alive.
   */
  start(): void {
    if (this.running || this.finished) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the loop, waits for a request in flight (≤ the timeout) and saves the state. */
  async stop(): Promise<void> {
    this.halt();
    await this.chain;
    await this.persist();
  }

  /** After ingest accepted `uninstalled`: nothing more is sent and the state is removed. */
  private async finish(): Promise<void> {
    this.finished = true;
    this.halt();
    await this.writing;
    try {
      await this.store.clear();
    } catch (e) {
      this.warn('state not removed', e);
    }
  }

  private halt(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (!this.running) return;
    try {
      if (this.consent && !this.finished && this.state.retry_at <= this.s.now()) {
        if (this.s.now() >= this.state.next_heartbeat_at) await this.heartbeat();
        else await this.pollConfig();
        if (this.state.queue.length > 0) await this.flush();
      }
    } catch (e) {
      this.warn('telemetry loop error', e);
    }
    if (!this.running) return;
    const jittered = this.pollIntervalMs() * (0.9 + 0.2 * this.s.random());
    this.schedule(Math.max(jittered, this.state.retry_at - this.s.now()));
  }

  // ------------------------------------------------------------------- internals

  private closed(): CallResult | null {
    if (this.finished) return { ok: false, reason: 'uninstalled' };
    if (!this.consent) return { ok: false, reason: 'no_consent' };
    return null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private event(type: EventType, now: number): QueuedEvent {
    return { event_id: newId(), type, occurred_at: new Date(now).toISOString() };
  }

  private verifyContext(received: boolean) {
    return {
      pinnedKeys: this.s.pinnedKeys,
      installationId: this.installationId,
      merchantId: this.s.merchantId ?? this.state.merchant_id,
      cms: this.s.cms,
      pluginVersion: this.s.pluginVersion,
      now: this.s.now(),
      lastIssuedAt: this.state.issued_at,
      verify: ed25519Verify,
      received,
    };
  }

  /**
   * The loop's period: the signed `poll_interval_secs`, or the option when it is
   * shorter (a client may poll more often than told, never less often).
   */
  private pollIntervalMs(): number {
    const told = this.view?.poll_interval_secs;
    const server = told === undefined || told === null ? null : Math.min(24 * 3600_000, Math.max(1000, told * 1000));
    const own = this.s.pollIntervalMs;
    if (own !== null && server !== null) return Math.min(own, server);
    return own ?? server ?? DEFAULT_POLL_MS;
  }

  /**
   * An answer from ingest: act on its signed payload only once verified; a refused
   * payload keeps the last verified state (the answer's unsigned notices and advice
   * are not trusted either) and is reported once until a payload is accepted.
   */
  private apply(answer: PluginAnswer, etag: string | null): Refusal | null {
    const v = verifySignedToggles(answer.signed_toggles, this.verifyContext(true));
    if (!v.ok) {
      this.state.etag = null;
      this.warn(`signed toggles refused (${v.reason}); keeping the last verified state`);
      if (!this.state.refusal_reported) {
        this.state.refusal_reported = true;
        const e = this.event('error', this.s.now());
        e.error_code = TOGGLE_SIGNATURE_INVALID;
        e.data = { reason: v.reason };
        this.state.queue = enqueue(this.state.queue, e);
      }
      return v.reason;
    }
    const changed = changedToggles(this.view, v.toggles);
    this.view = v.toggles;
    this.state.signed = v.signed;
    this.state.issued_at = v.toggles.issued_at;
    this.state.etag = etag;
    this.state.refusal_reported = false;
    if (this.s.merchantId === null && v.toggles.merchant_id !== null && this.state.merchant_id === null) {
      this.state.merchant_id = v.toggles.merchant_id;
      this.state.merchant_key = keyFingerprint(this.s.apiKey);
    }
    for (const key of changed) {
      const e = this.event('toggle_applied', this.s.now());
      e.toggle_key = key.slice(0, 64);
      e.data = { value: JSON.stringify(v.toggles.toggles[key]) ?? 'removed' };
      this.state.queue = enqueue(this.state.queue, e);
    }
    // The signed copies when the payload carries them (current servers), else the
    // answer's own (a server from before they were signed; the payload still verified).
    const n = withNotices(this.state, v.toggles.notices ?? answer.notices);
    this.state.notices = n.notices;
    this.state.acknowledged = n.acknowledged;
    this.state.upgrade = v.toggles.upgrade !== undefined ? v.toggles.upgrade : answer.upgrade;
    return null;
  }

  private async flushQueue(): Promise<CallResult> {
    const closed = this.closed();
    if (closed !== null) return closed;
    let delivered = 0;
    // Bounded: each round delivers or drops at least one event, or returns.
    for (let round = 0; this.state.queue.length > 0 && round < 50; round++) {
      const batch = nextBatch(this.state.queue);
      await this.persist(); // on disk before it is sent: a crash re-sends the same ids
      const body = JSON.stringify({ events: batch.map((e) => eventBody(this.identity, e)) });
      const r = await this.request('POST', '/api/v1/plugins/event', body, null);
      if (!('text' in r)) return { ...r, delivered };
      if (r.status === 202) {
        this.succeeded();
        this.state.queue = withoutDelivered(this.state.queue, batch.map((e) => e.event_id));
        delivered += batch.length;
        if (batch.some((e) => e.type === 'uninstalled')) {
          await this.finish();
          return { ok: true, status: 202, delivered };
        }
        continue;
      }
      if (r.status === 400 || r.status === 422) {
        // The batch is all or nothing: drop the event ingest named, or the batch.
        const index = refusedEventIndex(parseServerError(r.text)?.field ?? null);
        const refused = index !== null && batch[index] !== undefined ? [batch[index]] : batch;
        this.warn(`ingest refused ${refused.length} event(s); dropped`, { code: parseServerError(r.text)?.code });
        this.state.queue = withoutDelivered(this.state.queue, refused.map((e) => e.event_id));
        continue;
      }
      const failed = this.failed(r);
      failed.delivered = delivered;
      await this.persist();
      return failed;
    }
    await this.persist();
    return { ok: true, delivered };
  }

  /** One request, or why there was none / no answer. 429 and 503 set the Retry-After gate. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    etag: string | null,
  ): Promise<HttpResponse | CallResult> {
    const before = this.s.now();
    if (this.state.retry_at > before) {
      return { ok: false, reason: 'backing_off', retryAfterMs: this.state.retry_at - before };
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.s.apiKey}`,
      accept: 'application/json',
      'user-agent': `plugin-telemetry-node/${SDK_VERSION} node/${process.versions.node}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (etag !== null) headers['if-none-match'] = etag;
    let response: HttpResponse;
    try {
      const request = { method, url: `${this.s.baseUrl}${path}`, headers, timeoutMs: this.s.requestTimeoutMs };
      response = await this.transport(body === undefined ? request : { ...request, body });
    } catch (e) {
      const kind = e instanceof TransportError ? e.kind : 'network';
      this.s.logger.debug?.(`request failed: ${kind}`, { path: path.split('?')[0] });
      const wait = this.backOff();
      this.persistSoon();
      return { ok: false, reason: kind, retryAfterMs: wait };
    }
    if (response.status === 429 || response.status === 503) {
      const now = this.s.now();
      const retryAfter = parseRetryAfter(response.header('retry-after'), now);
      const wait = retryAfter ?? this.backOff();
      this.state.retry_at = now + wait;
      this.persistSoon();
      const result: CallResult = { ok: false, status: response.status, reason: 'http', retryAfterMs: wait };
      const code = parseServerError(response.text)?.code;
      if (code !== undefined) result.code = code;
      return result;
    }
    return response;
  }

  private backOff(): number {
    this.state.failures += 1;
    const wait = backoffDelay(this.state.failures, this.s.backoff, this.s.random);
    this.state.retry_at = this.s.now() + wait;
    return wait;
  }

  private succeeded(): void {
    this.state.failures = 0;
    this.state.retry_at = 0;
  }

  private failed(r: HttpResponse, reason: CallFailure = 'http'): CallResult {
    const wait = this.backOff();
    this.persistSoon();
    const result: CallResult = { ok: false, status: r.status, reason, retryAfterMs: wait };
    const code = parseServerError(r.text)?.code;
    if (code !== undefined) result.code = code;
    this.s.logger.debug?.(`ingest answered ${r.status}`, { code });
    return result;
  }

  /** Saves the state; concurrent calls share one write loop (the last state wins). */
  private persist(): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.saveRequested = true;
    this.writing ??= this.writeLoop();
    return this.writing;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.saveRequested && !this.finished) {
        this.saveRequested = false;
        try {
          await this.store.save(this.state);
        } catch (e) {
          this.warn('state not saved', e);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private persistSoon(): void {
    void this.persist();
  }

  private warn(message: string, e?: unknown): void {
    try {
      this.s.logger.warn(message, e === undefined ? undefined : { error: e instanceof Error ? e.message : e });
    } catch {
      // a logger must not break telemetry
    }
  }
}
