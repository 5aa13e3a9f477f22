import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import { processMetrics } from '../adapters/metrics-factory.ts';
import type { Metrics } from '../ports/metrics.ts';
import { getApiConfig } from '../shared/config.ts';
import { withCorrelation } from '../shared/correlation.ts';
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
  return correlated(
    handler.handler(async (event, context) => {
      await resolveSecrets();
      return fn(event as HttpEvent & Body, apiDeps(), context);
    }),
  );
}

let metrics: Metrics | undefined;
const apiMetrics = () => (metrics ??= processMetrics(getApiConfig()).metrics);

/**
 * Runs a route inside the request's correlation context: every log line it writes carries the request id as
 * `correlation_id`, and a job it creates keeps that id for the worker's log lines. Counts the request and its
 * handling time by route (Prometheus locally, EMF in a Lambda).
 */
function correlated<C extends Context>(
  route: (event: HttpEvent, context: C) => Promise<HttpResult>,
): (event: HttpEvent, context: C) => Promise<HttpResult> {
  return async (event, context) => {
    const started = performance.now();
    let status = 500;
    try {
      const result = await withCorrelation({ correlation_id: event.requestContext?.requestId }, () =>
        route(event, context),
      );
      status = result.statusCode ?? 200;
      return result;
    } finally {
      const routeKey = event.routeKey ?? 'unknown';
      try {
        const m = apiMetrics();
        m.increment('realtone_http_requests_total', { route: routeKey, status: String(status) });
        m.observe('realtone_http_request_duration_seconds', (performance.now() - started) / 1000, {
          route: routeKey,
        });
      } catch {
        // An invalid configuration already fails the request itself; metrics never add a failure.
      }
    }
  };
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
  return correlated(
    handler.handler(async (event, context) => fn(event as HttpEvent & Body, apiDeps(), context.userId)),
  );
}
