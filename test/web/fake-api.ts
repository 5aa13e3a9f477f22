/**
 * A scripted `fetch` for component tests: each call is matched against the routes given, recorded, and answered
 * with JSON. The components talk to it through the real generated openapi-fetch client, so request paths, methods,
 * query strings and bodies are what the real API would receive.
 */
export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Headers;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Route = (call: Call) => Reply | undefined;

export function fakeFetch(...routes: Route[]) {
  const calls: Call[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url, 'http://app.test');
    const text = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    const call: Call = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      headers: request.headers,
    };
    calls.push(call);
    for (const route of routes) {
      const reply = route(call);
      if (reply) {
        const type = reply.status >= 400 ? 'application/problem+json' : 'application/json';
        return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
          status: reply.status,
          headers: { 'content-type': type, ...reply.headers },
        });
      }
    }
    return new Response(JSON.stringify({ code: 'not_found', status: 404, detail: 'no route' }), {
      status: 404,
    });
  };
  return { fetcher: fetcher as typeof fetch, calls };
}

export const on =
  (method: string, path: string | RegExp, reply: Reply | ((call: Call) => Reply)): Route =>
  (call) =>
    call.method === method && (typeof path === 'string' ? call.path === path : path.test(call.path))
      ? typeof reply === 'function'
        ? reply(call)
        : reply
      : undefined;

export const LIMITS = {
  max_upload_bytes: 1000,
  max_duration_seconds: 3600,
  content_types: ['audio/wav', 'audio/mpeg', 'audio/ogg'],
  extensions: { '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.opus': 'audio/ogg' },
};

export const TOKEN = { access_token: 'h.p.s', token_type: 'Bearer' as const, expires_in: 900 };
