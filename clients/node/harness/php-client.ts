// The PHP core (clients/php/core) as a conformance client: a driver process,
// `php clients/php/conformance/driver.php`, spoken to in JSON lines. Commands go one at
// a time; the driver reports every request the client made (at its edge) and every
// warning before it replies, so the request log is complete when a command returns.
// `restart` is a new process on the same state file: in PHP every request starts from
// what is on disk, and so must a restarted client here.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { CheckoutReads, ClientDriver, ClientKind, DriverContext, DriverOptions, DriverResult } from './client-driver';
import { REPO_ROOT } from './live-stack';
import type { LoggedRequest } from './request-log';

export const PHP = process.env['PHP'] ?? 'php';
export const PHP_DRIVER = join(REPO_ROOT, 'clients', 'php', 'conformance', 'driver.php');
/** `curl` (default when ext-curl is loaded) or `stream`: which PHP transport the core uses. */
const PHP_TRANSPORT = process.env['PT_PHP_TRANSPORT'] ?? 'auto';
/** No command may take longer: a request is bounded by 2 s, a flush by a few of them. */
const COMMAND_TIMEOUT_MS = 15_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  op: string;
}

/** One driver process. */
class PhpProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private exited: Promise<void>;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: DriverContext,
    command: readonly string[],
  ) {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('empty PHP driver command');
    this.child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    const lines = createInterface({ input: this.child.stdout });
    lines.on('line', (line) => this.receive(line));
    this.exited = new Promise((ok) => {
      this.child.once('exit', (code, signal) => {
        const why = new Error(`php driver exited (${code ?? signal}): ${this.stderr.trim()}`);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(why);
        }
        this.pending.clear();
        ok();
      });
    });
    this.child.once('error', (e) => this.ctx.warn(`php driver: ${e.message}`));
    // A driver that died mid-write must fail the command waiting on it, not the test process.
    this.child.stdin.on('error', (e) => this.ctx.warn(`php driver stdin: ${e.message}`));
  }

  /** One command, after the previous one replied (the driver is single-threaded). */
  send(op: string, fields: Record<string, unknown> = {}): Promise<unknown> {
    const run = this.chain.then(
      () =>
        new Promise<unknown>((resolve, reject) => {
          const id = this.nextId++;
          const timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new Error(`php driver: no reply to ${op} within ${COMMAND_TIMEOUT_MS} ms`));
          }, COMMAND_TIMEOUT_MS);
          this.pending.set(id, { resolve, reject, timer, op });
          this.child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
        }),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  private receive(line: string): void {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.ctx.warn(`php driver printed: ${line.slice(0, 300)}`);
      return;
    }
    if (m['request'] !== undefined) {
      this.ctx.log.record(m['request'] as LoggedRequest);
      return;
    }
    if (typeof m['warning'] === 'string') {
      this.ctx.warn(m['warning']);
      return;
    }
    const p = this.pending.get(Number(m['reply']));
    if (p === undefined) return;
    this.pending.delete(Number(m['reply']));
    clearTimeout(p.timer);
    if (m['ok'] === true) p.resolve(m['value']);
    else p.reject(new Error(`php ${p.op}: ${String(m['error'])}`));
  }

  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.send('exit').catch(() => undefined);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(killer);
  }
}

class PhpClientDriver implements ClientDriver {
  private proc: PhpProcess | null = null;
  private options: DriverOptions | null = null;
  private clockOffset = 0;

  constructor(
    private readonly ctx: DriverContext,
    private readonly command: readonly string[],
  ) {}

  private get p(): PhpProcess {
    if (this.proc === null) throw new Error('no client: create_client first');
    return this.proc;
  }

  private async spawn(o: DriverOptions): Promise<void> {
    const proc = new PhpProcess(this.ctx, this.command);
    this.proc = proc;
    const hello = (await proc.send('hello')) as { sodium?: boolean };
    if (hello.sodium !== true) throw new Error('the PHP driver has no Ed25519 (ext-sodium): every payload would be refused');
    const options: Record<string, unknown> = {
      ingestUrl: o.ingestUrl,
      apiKey: o.apiKey,
      merchantId: o.merchantId,
      pinnedKeys: o.pinnedKeys,
      pluginVersion: o.pluginVersion,
      cms: o.cms,
      siteHost: o.siteHost,
      environment: o.environment,
      consent: o.consent,
      statePath: o.statePath,
      pollIntervalMs: o.pollIntervalMs,
    };
    if (o.backoffBaseMs !== undefined) options['backoffBaseMs'] = o.backoffBaseMs;
    if (o.backoffMaxMs !== undefined) options['backoffMaxMs'] = o.backoffMaxMs;
    if (o.requestTimeoutMs !== undefined) options['requestTimeoutMs'] = o.requestTimeoutMs;
    await proc.send('create_client', { options, seed: this.ctx.seed, clock_offset_ms: this.clockOffset, transport: PHP_TRANSPORT });
  }

  async create(o: DriverOptions): Promise<void> {
    await this.proc?.exit();
    this.options = o;
    await this.spawn(o);
  }

  async installationId(): Promise<string> {
    return String(await this.p.send('installation_id'));
  }

  async start(): Promise<void> {
    await this.p.send('start');
  }

  async stop(): Promise<void> {
    await this.p.send('stop');
  }

  async restart(): Promise<void> {
    await this.p.send('stop');
    await this.p.exit();
    if (this.options === null) throw new Error('no options');
    await this.spawn(this.options);
  }

  async call(method: string, args: unknown[]): Promise<DriverResult | undefined> {
    const value = await this.p.send('call', { method, args });
    return value === null ? undefined : (value as DriverResult);
  }

  async isBlocked(): Promise<boolean> {
    return (await this.p.send('is_blocked')) === true;
  }

  async debugEnabled(): Promise<boolean> {
    return (await this.p.send('debug_enabled')) === true;
  }

  async toggle(key: string): Promise<unknown> {
    return (await this.p.send('toggle', { key })) ?? null;
  }

  async noticeIds(): Promise<string[]> {
    return (await this.p.send('notices')) as string[];
  }

  async checkoutReads(calls: number): Promise<CheckoutReads> {
    const r = (await this.p.send('checkout_reads', { calls, toggle: 'force_update' })) as { elapsed_ms: number; requests: number };
    return { elapsedMs: r.elapsed_ms, requests: r.requests };
  }

  async advanceClock(ms: number): Promise<void> {
    this.clockOffset += ms;
    await this.p.send('advance_clock_ms', { ms });
  }

  async close(): Promise<void> {
    await this.proc?.exit().catch(() => undefined);
    this.proc = null;
  }
}

/** The PHP runtime can verify payloads at all (a missing sodium fails the suite, loudly). */
async function checkPhp(): Promise<void> {
  const out = await new Promise<string>((ok, fail) => {
    const child = spawn(PHP, ['-r', 'echo PHP_VERSION, " ", function_exists("sodium_crypto_sign_verify_detached") ? "sodium" : "no-sodium";']);
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', (e) => fail(new Error(`${PHP} is not runnable (${e.message}): apt-get install php-cli php-curl`)));
    child.once('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`${PHP} -r failed (${String(code)})`))));
  });
  if (!out.includes(' sodium')) throw new Error(`${PHP} (${out}) has no ext-sodium: the PHP core cannot verify payloads`);
}

/**
 * A PHP client that speaks the driver protocol of clients/php/conformance/ when started
 * with `command`: the core's own driver, or an adapter's (which runs the same Driver with
 * its platform's storage, e.g. inside WordPress).
 */
export function phpDriverKind(spec: { name: string; driverFile: string; command: readonly string[]; check?: () => Promise<void> }): ClientKind {
  return {
    name: spec.name,
    sdkLanguage: 'php',
    check: async () => {
      if (!existsSync(spec.driverFile)) throw new Error(`${spec.name} conformance driver not found at ${spec.driverFile}`);
      await checkPhp();
      await spec.check?.();
    },
    driver: (ctx) => new PhpClientDriver(ctx, spec.command),
  };
}

export const phpClient: ClientKind = phpDriverKind({
  name: 'php',
  driverFile: PHP_DRIVER,
  command: [PHP, '-d', 'display_errors=stderr', PHP_DRIVER],
});
