// HTTP over Node's global fetch, every request bounded: one deadline covers connect,
// headers and body (at most 2 s), redirects are not followed (the API key never
// travels to another host), and answers larger than 1 MiB are refused.

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  text: string;
}

export type TransportFailure = 'timeout' | 'network';

/** A request that got no HTTP answer. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

/** The most any request may take, whatever the options say. */
export const MAX_REQUEST_TIMEOUT_MS = 2000;
const MAX_ANSWER_BYTES = 1024 * 1024;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export function fetchTransport(fetchImpl?: FetchLike): Transport {
  return async (request) => {
    const doFetch: FetchLike | undefined = fetchImpl ?? (globalThis.fetch as FetchLike | undefined);
    if (doFetch === undefined) throw new TransportError('network', 'no global fetch (Node >= 18 is required)');
    const timeoutMs = Math.min(MAX_REQUEST_TIMEOUT_MS, Math.max(1, request.timeoutMs));
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const init: RequestInit = {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        signal: controller.signal,
      };
      if (request.body !== undefined) init.body = request.body;
      const response = await doFetch(request.url, init);
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > MAX_ANSWER_BYTES) {
        controller.abort();
        throw new TransportError('network', `answer of ${declared} bytes is over the limit`);
      }
      const text = await response.text();
      if (text.length > MAX_ANSWER_BYTES) throw new TransportError('network', 'answer is over the limit');
      return { status: response.status, header: (name) => response.headers.get(name), text };
    } catch (e) {
      if (e instanceof TransportError) throw e;
      if (timedOut) throw new TransportError('timeout', `no answer within ${timeoutMs} ms`);
      throw new TransportError('network', e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  };
}
