// What the conformance runner drives: one client of the plugin contract, whatever its
// language. The scenarios (clients/contract/scenarios.json) are written once; each
// client kind implements this interface: the TypeScript SDK in process
// (node-client.ts), the PHP core through a driver process speaking JSON lines
// (php-client.ts). Every method a scenario needs is here; a kind that cannot do one
// throws, which fails the scenario (a scenario must never pass by being skipped).

import type { RequestLog } from './request-log';

/** The options a scenario's `create_client` gives, in the contract's terms. */
export interface DriverOptions {
  ingestUrl: string;
  apiKey: string;
  merchantId: string;
  pinnedKeys: Record<string, string>;
  pluginVersion: string;
  cms: string;
  siteHost: string;
  environment: 'test';
  consent: boolean;
  statePath: string;
  pollIntervalMs: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
}

/**
 * A telemetry call's result in the scenarios' snake_case words: `ok`, `status`,
 * `reason`, `code`, `retry_after_ms`, `not_modified`, `refused`, `delivered`.
 */
export type DriverResult = Record<string, unknown>;

export interface CheckoutReads {
  /** The rounds' duration, measured in the client's own process. */
  elapsedMs: number;
  /** Requests the client made during the rounds (must be 0). */
  requests: number;
}

export interface ClientDriver {
  /** A new client with these options and a fresh state file (not started). */
  create(options: DriverOptions): Promise<void>;
  installationId(): Promise<string>;
  /** The background loop (for PHP: the shop's scheduler calling refreshIfDue()). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stop, then a new client on the same state file and options (not started). */
  restart(): Promise<void>;
  /**
   * `heartbeat`, `poll_config`, `flush`, `uninstalled`, `acknowledge_notice`,
   * `record_error`, `set_consent`; undefined for calls without a result. Throws on an
   * unknown method.
   */
  call(method: string, args: unknown[]): Promise<DriverResult | undefined>;
  isBlocked(): Promise<boolean>;
  debugEnabled(): Promise<boolean>;
  /** A verified toggle's value; null when absent or expired. */
  toggle(key: string): Promise<unknown>;
  /** The ids of the notices the client would show now (a notice listed twice counts twice). */
  noticeIds(): Promise<string[]>;
  /** `calls` rounds of isBlocked(), toggle('force_update'), debugEnabled(). */
  checkoutReads(calls: number): Promise<CheckoutReads>;
  /** Moves the client's clock (not ingest's); kept across restarts. */
  advanceClock(ms: number): Promise<void>;
  /** Stops and frees everything (end of scenario). Never throws. */
  close(): Promise<void>;
}

/** What a driver gets from the runner: the request log to fill, randomness, warnings. */
export interface DriverContext {
  log: RequestLog;
  random: () => number;
  warn: (message: string) => void;
  seed: number;
}

/** One kind of client the suite runs against. */
export interface ClientKind {
  /** Short name (`node`, `php`): merchant names, site hosts, test titles. */
  name: string;
  /** The `sdk_language` its heartbeats carry. */
  sdkLanguage: string;
  /** Checks the kind can run here at all (a missing runtime fails the suite, loudly). */
  check(): Promise<void>;
  driver(ctx: DriverContext): ClientDriver;
}
