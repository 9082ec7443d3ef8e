// The TypeScript SDK as a conformance client, in process: the SDK is given the request
// log's fetch (requests are observed at its edge) and the runner's clock.

import { performance } from 'node:perf_hooks';

import { TelemetryClient, type CallResult, type TelemetryOptions } from '../src/index';
import type { CheckoutReads, ClientDriver, ClientKind, DriverContext, DriverOptions, DriverResult } from './client-driver';

const RESULT_FIELDS: Record<keyof CallResult, string> = {
  ok: 'ok',
  status: 'status',
  reason: 'reason',
  code: 'code',
  retryAfterMs: 'retry_after_ms',
  notModified: 'not_modified',
  refused: 'refused',
  delivered: 'delivered',
};

function snake(r: CallResult): DriverResult {
  const out: DriverResult = {};
  for (const [k, v] of Object.entries(r)) out[RESULT_FIELDS[k as keyof CallResult] ?? k] = v;
  return out;
}

class NodeClientDriver implements ClientDriver {
  private client: TelemetryClient | null = null;
  private options: TelemetryOptions | null = null;
  private clockOffset = 0;

  constructor(private readonly ctx: DriverContext) {}

  private get c(): TelemetryClient {
    if (this.client === null) throw new Error('no client: create_client first');
    return this.client;
  }

  private now = (): number => Date.now() + this.clockOffset;

  async create(o: DriverOptions): Promise<void> {
    const options: TelemetryOptions = {
      ingestUrl: o.ingestUrl,
      apiKey: o.apiKey,
      merchantId: o.merchantId,
      pinnedKeys: o.pinnedKeys,
      pluginVersion: o.pluginVersion,
      cms: o.cms as TelemetryOptions['cms'],
      siteHost: o.siteHost,
      environment: o.environment,
      consent: o.consent,
      statePath: o.statePath,
      pollIntervalMs: o.pollIntervalMs,
      now: this.now,
      random: this.ctx.random,
      fetch: this.ctx.log.fetch,
      logger: { warn: (message) => this.ctx.warn(message) },
    };
    if (o.backoffBaseMs !== undefined) options.backoffBaseMs = o.backoffBaseMs;
    if (o.backoffMaxMs !== undefined) options.backoffMaxMs = o.backoffMaxMs;
    if (o.requestTimeoutMs !== undefined) options.requestTimeoutMs = o.requestTimeoutMs;
    this.options = options;
    this.client = new TelemetryClient(options);
  }

  async installationId(): Promise<string> {
    return this.c.installationId;
  }

  async start(): Promise<void> {
    this.c.start();
  }

  async stop(): Promise<void> {
    await this.c.stop();
  }

  async restart(): Promise<void> {
    await this.c.stop();
    if (this.options === null) throw new Error('no options');
    this.client = new TelemetryClient(this.options);
  }

  async call(method: string, args: unknown[]): Promise<DriverResult | undefined> {
    switch (method) {
      case 'heartbeat':
        return snake(await this.c.heartbeat());
      case 'poll_config':
        return snake(await this.c.pollConfig());
      case 'flush':
        return snake(await this.c.flush());
      case 'uninstalled':
        return snake(await this.c.uninstalled());
      case 'acknowledge_notice':
        return snake(await this.c.acknowledgeNotice(String(args[0])));
      case 'record_error':
        this.c.recordError(String(args[0]));
        return undefined;
      case 'set_consent':
        this.c.setConsent(args[0] === true);
        return undefined;
      default:
        throw new Error(`unknown method ${method}`);
    }
  }

  async isBlocked(): Promise<boolean> {
    return this.c.isBlocked();
  }

  async debugEnabled(): Promise<boolean> {
    return this.c.debugEnabled();
  }

  async toggle(key: string): Promise<unknown> {
    return this.c.toggle(key) ?? null;
  }

  async noticeIds(): Promise<string[]> {
    return this.c.notices().map((n) => n.notice_id);
  }

  async checkoutReads(calls: number): Promise<CheckoutReads> {
    const c = this.c;
    const before = this.ctx.log.entries.length;
    const started = performance.now();
    for (let i = 0; i < calls; i++) {
      c.isBlocked();
      c.toggle('force_update');
      c.debugEnabled();
    }
    const elapsedMs = performance.now() - started;
    return { elapsedMs, requests: this.ctx.log.entries.length - before };
  }

  async advanceClock(ms: number): Promise<void> {
    this.clockOffset += ms;
  }

  async close(): Promise<void> {
    await this.client?.stop().catch(() => undefined);
  }
}

export const nodeClient: ClientKind = {
  name: 'node',
  sdkLanguage: 'node',
  check: async () => undefined,
  driver: (ctx) => new NodeClientDriver(ctx),
};
