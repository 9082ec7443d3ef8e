// A small HTTP proxy on 127.0.0.1 in front of live ingest, for what live ingest cannot
// be made to do on demand: answer 429/503, go down, hang, lose an answer after ingest
// stored the request, or hand out a tampered / foreign-signed / replayed payload.
// Everything else passes through untouched.

import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Tamper =
  | { how: 'modify_payload'; path: string; toggles: Record<string, unknown> }
  | { how: 'sign_with_unknown_key'; path: string; keyId: string; toggles: Record<string, unknown> }
  | { how: 'replay'; path: string; signed: unknown };

interface Canned {
  path: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  times: number;
}

const PASSED_HEADERS = ['content-type', 'etag', 'retry-after', 'cache-control', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

export class IngestProxy {
  private server: Server | null = null;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private hanging = false;
  private canned: Canned[] = [];
  private drops: { path: string; times: number }[] = [];
  private tamper: Tamper | null = null;
  private readonly rogue: KeyObject = generateKeyPairSync('ed25519').privateKey;

  constructor(private readonly upstream: URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    if (this.server !== null) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => ok());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  /** Not listening: connections are refused (open ones are cut). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server !== null) await new Promise<void>((ok) => server.close(() => ok()));
  }

  /** Listening, reading requests, answering none. */
  async hang(): Promise<void> {
    await this.up();
    this.hanging = true;
  }

  /** Back to a plain pass-through. */
  async normal(): Promise<void> {
    this.hanging = false;
    this.canned = [];
    this.drops = [];
    this.tamper = null;
    for (const s of this.sockets) s.destroy();
    await this.up();
  }

  respond(path: string, status: number, headers: Record<string, string>, body: unknown, times: number): void {
    this.canned.push({ path, status, headers, body: body === undefined ? '' : JSON.stringify(body), times });
  }

  dropAnswers(path: string, times: number): void {
    this.drops.push({ path, times });
  }

  setTamper(t: Tamper | null): void {
    this.tamper = t;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    if (this.hanging) return; // the client's own timeout ends it
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const canned = this.canned.find((c) => c.path === path && c.times > 0);
    if (canned !== undefined) {
      canned.times -= 1;
      res.writeHead(canned.status, { 'content-type': 'application/json', ...canned.headers });
      res.end(canned.body);
      return;
    }
    const tamper = this.tamper !== null && this.tamper.path === path ? this.tamper : null;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v !== 'string' || k === 'host' || k === 'connection') continue;
      // A tampered answer must be a full one, not a 304.
      if (tamper !== null && k === 'if-none-match') continue;
      headers[k] = v;
    }
    let upstream: { status: number; headers: Record<string, string>; body: Buffer };
    try {
      upstream = await this.forward(req.method ?? 'GET', req.url ?? '/', headers, body);
    } catch (e) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'proxy_upstream_failed', message: String(e), field: null } }));
      return;
    }
    const drop = this.drops.find((d) => d.path === path && d.times > 0);
    if (drop !== undefined) {
      // Ingest has the request; the client never hears so.
      drop.times -= 1;
      req.socket.destroy();
      return;
    }
    let answer = upstream.body;
    if (tamper !== null && (upstream.status === 200 || upstream.status === 202)) {
      answer = Buffer.from(this.tampered(answer.toString('utf8'), tamper));
    }
    const out: Record<string, string> = {};
    for (const h of PASSED_HEADERS) if (upstream.headers[h] !== undefined) out[h] = upstream.headers[h];
    res.writeHead(upstream.status, out);
    res.end(answer);
  }

  private forward(method: string, url: string, headers: Record<string, string>, body: Buffer) {
    return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((ok, fail) => {
      const r = httpRequest(
        { host: this.upstream.hostname, port: this.upstream.port, method, path: url, headers, timeout: 5000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
            ok({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
          });
          res.on('error', fail);
        },
      );
      r.on('timeout', () => r.destroy(new Error('upstream timeout')));
      r.on('error', fail);
      r.end(body);
    });
  }

  /** The answer with its signed_toggles replaced as the tamper says. */
  private tampered(text: string, t: Tamper): string {
    const answer = JSON.parse(text) as Record<string, unknown> & { config?: Record<string, unknown> };
    const holder: Record<string, unknown> = answer.config ?? answer;
    const signed = holder['signed_toggles'] as { payload: string; signature: string; key_id: string; algorithm: string };
    if (t.how === 'replay') {
      holder['signed_toggles'] = t.signed;
      return JSON.stringify(answer);
    }
    const payload = JSON.parse(signed.payload) as {
      toggles: Record<string, unknown>;
      toggle_expires_at: Record<string, string | null>;
    };
    const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const [k, v] of Object.entries(t.toggles)) {
      payload.toggles[k] = v;
      payload.toggle_expires_at[k] = expiry;
    }
    const bytes = JSON.stringify(payload);
    if (t.how === 'modify_payload') {
      holder['signed_toggles'] = { ...signed, payload: bytes };
    } else {
      const signature = sign(null, Buffer.from(bytes), this.rogue).toString('base64');
      holder['signed_toggles'] = { payload: bytes, signature, key_id: t.keyId, algorithm: 'Ed25519' };
    }
    return JSON.stringify(answer);
  }
}
