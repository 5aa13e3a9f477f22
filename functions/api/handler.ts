import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import { resolveSecrets } from '../shared/secrets.ts';
import { apiDeps, type ApiDeps } from './deps.ts';
import type { HttpEvent, HttpResult } from './http.ts';
import { problemErrors } from './middleware/problem-errors.ts';
import { requireUser, type AuthContext } from './middleware/require-user.ts';

type Body = { body?: unknown };

/**
 * Builds a Lambda handler for one route: middy with problem+json errors, optional JSON body parsing and optional
 * authentication. The route function gets the event, the deps and (when authenticated) the user id, and returns
 * the HTTP result; it holds no logic beyond parsing input, calling one domain function and shaping the output.
 */
export function publicRoute(
  fn: (event: HttpEvent & Body, deps: ApiDeps, context: Context) => Promise<HttpResult>,
  options: { jsonBody?: boolean } = {},
) {
  const handler = middy<HttpEvent, HttpResult>().use(problemErrors());
  if (options.jsonBody) handler.use(httpJsonBodyParser({ disableContentTypeError: false }) as never);
  return handler.handler(async (event, context) => {
    await resolveSecrets();
    return fn(event as HttpEvent & Body, apiDeps(), context);
  });
}

export function userRoute(
  fn: (event: HttpEvent & Body, deps: ApiDeps, userId: string) => Promise<HttpResult>,
  options: { jsonBody?: boolean } = {},
) {
  const handler = middy<HttpEvent, HttpResult, Error, AuthContext>()
    .use(problemErrors<AuthContext>())
    .use({ before: () => resolveSecrets() })
    .use(requireUser(() => apiDeps().tokens));
  if (options.jsonBody) handler.use(httpJsonBodyParser({ disableContentTypeError: false }) as never);
  return handler.handler(async (event, context) => fn(event as HttpEvent & Body, apiDeps(), context.userId));
}
