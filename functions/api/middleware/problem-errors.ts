import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { getLogger } from '../../shared/logger.ts';
import { isRealToneError } from '../../shared/errors.ts';
import { problem, type HttpEvent, type HttpResult } from '../http.ts';

const log = getLogger('api');
/**
 * Read once: at WARN and above the access-log line is never built. (Powertools' `level` getter itself reads the
 * environment on every call, which is measurable per request.)
 */
const accessLog = log.level <= LogLevelThreshold.INFO;

/**
 * Turns every error into RFC 9457 problem+json and logs the request (route, status, latency, request id; never
 * headers or bodies, which carry passwords and tokens).
 */
export function problemErrors<C extends Context = Context>(): middy.MiddlewareObj<
  HttpEvent,
  HttpResult,
  Error,
  C
> {
  const started = new WeakMap<object, number>();
  return {
    before: (request) => {
      if (accessLog) started.set(request, performance.now());
    },
    after: (request) => {
      if (!accessLog) return;
      log.info('request', {
        route: request.event.routeKey,
        status: request.response?.statusCode,
        ms: Math.round(performance.now() - (started.get(request) ?? performance.now())),
        requestId: request.event.requestContext?.requestId,
      });
    },
    onError: (request) => {
      const error = request.error;
      request.response = problem(error, request.event);
      const status = request.response.statusCode ?? 500;
      const fields = {
        route: request.event.routeKey,
        status,
        code: isRealToneError(error) ? error.code : undefined,
        requestId: request.event.requestContext?.requestId,
      };
      if (status >= 500)
        log.error('request failed', {
          ...fields,
          error: (error as Error)?.message,
          stack: (error as Error)?.stack,
        });
      else if (accessLog) log.info('request rejected', fields);
    },
  };
}
