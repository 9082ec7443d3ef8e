// Every request the client makes, seen at its edge: the TypeScript SDK is given this
// fetch, a client in another process (PHP) has its driver `record` each request, so
// the log holds exactly what left the client (and what came back), whatever server
// is behind it.

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: unknown;
  /** Null when no HTTP answer arrived (refused, dropped, timed out). */
  status: number | null;
  answer: string | null;
  error: string | null;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  readonly fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    let body: unknown = null;
    if (typeof init.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    const entry: LoggedRequest = {
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      headers,
      body,
      status: null,
      answer: null,
      error: null,
    };
    this.entries.push(entry);
    try {
      const response = await fetch(input, init);
      entry.status = response.status;
      entry.answer = await response.clone().text();
      return response;
    } catch (e) {
      entry.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw e;
    }
  };

  /**
   * A request a client in another process made, as its driver reported it (the driver
   * sits at that client's edge, as `fetch` does here).
   */
  record(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  to(path?: string, since = 0): LoggedRequest[] {
    return this.entries.slice(since).filter((e) => path === undefined || e.path === path);
  }

  /** The signed payload of the last answer that carried one. */
  lastSigned(): unknown {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e === undefined || e.answer === null) continue;
      try {
        const a = JSON.parse(e.answer) as { signed_toggles?: unknown; config?: { signed_toggles?: unknown } };
        const signed = a.config?.signed_toggles ?? a.signed_toggles;
        if (signed !== undefined) return signed;
      } catch {
        // not JSON: keep looking
      }
    }
    return undefined;
  }
}
