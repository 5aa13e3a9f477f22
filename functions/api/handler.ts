import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Context } from 'aws-lambda';
import { processMetrics } from '../adapters/metrics-factory.ts';
import { getApiConfig, type ApiConfig } from '../shared/config.ts';
import { withCorrelation } from '../shared/correlation.ts';
import { resolveSecrets } from '../shared/secrets.ts';
import type { HttpEvent, HttpResult } from './http.ts';
import { problemErrors } from './middleware/problem-errors.ts';

export type Body = { body?: unknown };

/**
 * A route's dependencies, made from the configuration (read and validated once per process, after the secrets are
 * resolved). Factories come from functions/api/deps/ and memoise their adapters per process, so calling one per
 * request costs a lookup; a route's bundle holds only the adapters its factory names.
 */
export type DepsFactory<D> = (config: ApiConfig) => D;

/** For routes that use nothing beyond the configuration (health, the OpenAPI document, the model). */
export const configOnly: DepsFactory<ApiConfig> = (config) => config;

/**
 * Builds a Lambda handler for one public route: middy with problem+json errors and optional JSON body parsing
 * (user-route.ts adds authentication). The route function gets the event, its deps and (when authenticated) the user id, and returns
 * the HTTP result; it holds no logic beyond parsing input, calling one domain function and shaping the output.
 */
export function publicRoute<D>(
  deps: DepsFactory<D>,
  fn: (event: HttpEvent & Body, deps: D, context: Context) => Promise<HttpResult>,
  options: { jsonBody?: boolean } = {},
) {
  const handler = middy<HttpEvent, HttpResult>().use(problemErrors());
  if (options.jsonBody) handler.use(httpJsonBodyParser({ disableContentTypeError: false }) as never);
  return correlated(
    handler.handler(async (event, context) => {
      await resolveSecrets();
      return fn(event as HttpEvent & Body, deps(getApiConfig()), context);
    }),
  );
}

/**
 * Runs a route inside the request's correlation context: every log line it writes carries the request id as
 * `correlation_id`, and a job it creates keeps that id for the worker's log lines. Counts the request and its
 * handling time by route (Prometheus locally, EMF in a Lambda).
 */
export function correlated<C extends Context>(
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
        const { metrics } = await processMetrics(getApiConfig());
        metrics.increment('realtone_http_requests_total', { route: routeKey, status: String(status) });
        metrics.observe('realtone_http_request_duration_seconds', (performance.now() - started) / 1000, {
          route: routeKey,
        });
      } catch {
        // An invalid configuration already fails the request itself; metrics never add a failure.
      }
    }
  };
}
