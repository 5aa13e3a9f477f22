import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { getApiConfig } from '../shared/config.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import { tokenConfig } from './deps/tokens.ts';
import { correlated, type Body, type DepsFactory } from './handler.ts';
import type { HttpEvent, HttpResult } from './http.ts';
import { problemErrors } from './middleware/problem-errors.ts';
import { requireUser, type AuthContext } from './middleware/require-user.ts';

/**
 * Builds a Lambda handler for one authenticated route: as publicRoute (handler.ts), with the Bearer token verified
 * before the route runs; the route gets the caller's user id. Kept apart from handler.ts so that a public route's
 * bundle does not carry the JWT library.
 */
export function userRoute<D>(
  deps: DepsFactory<D>,
  fn: (event: HttpEvent & Body, deps: D, userId: string) => Promise<HttpResult>,
  options: { jsonBody?: boolean } = {},
) {
  const handler = middy<HttpEvent, HttpResult, Error, AuthContext>()
    .use(problemErrors<AuthContext>())
    .use({ before: () => resolveSecrets() })
    .use(requireUser(() => tokenConfig(getApiConfig())));
  if (options.jsonBody) handler.use(httpJsonBodyParser({ disableContentTypeError: false }) as never);
  return correlated(
    handler.handler(async (event, context) =>
      fn(event as HttpEvent & Body, deps(getApiConfig()), context.userId),
    ),
  );
}
