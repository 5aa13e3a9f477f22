import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { Session } from './session';

export type ApiClient = Client<paths>;

export interface Api {
  /** Calls that need a user: the session middleware adds the Bearer token and refreshes it when needed. */
  client: ApiClient;
  session: Session;
}

const AUTH_PATHS = /^\/v1\/auth\//;

/** Adds the access token; on a 401 refreshes once and repeats a GET or DELETE (they have no body to resend). */
function sessionMiddleware(session: Session, fetcher: typeof fetch): Middleware {
  return {
    async onRequest({ request, schemaPath }) {
      if (AUTH_PATHS.test(schemaPath)) return request;
      const token = await session.accessToken();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ request, response, schemaPath }) {
      if (response.status !== 401 || AUTH_PATHS.test(schemaPath)) return response;
      if (!(await session.refresh())) return response;
      if (request.method !== 'GET' && request.method !== 'DELETE') return response;
      const token = await session.accessToken();
      const headers = new Headers(request.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetcher(
        new Request(request.url, { method: request.method, headers, credentials: 'same-origin' }),
      );
    },
  };
}

/**
 * The typed API client, generated from proto/openapi.json (web/src/api/schema.d.ts, `npm run gen:api -w web`).
 * `baseUrl` is the API origin from /config.json ('' = this origin). Cookies go only to the same origin: the refresh
 * cookie is first-party by design (docs/web.md).
 */
export function createApi(baseUrl: string, fetcher: typeof fetch = (...args) => fetch(...args)): Api {
  const options = { baseUrl, fetch: fetcher, credentials: 'same-origin' as const };
  const session = new Session(createClient<paths>(options));
  const client = createClient<paths>(options);
  client.use(sessionMiddleware(session, fetcher));
  return { client, session };
}
