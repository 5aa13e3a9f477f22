import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isRealToneError, ValidationError } from '../shared/errors.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return rawJson(statusCode, JSON.stringify(body), headers);
}

/** A response whose body is JSON serialised already (a cached job view). */
export function rawJson(statusCode: number, body: string, headers?: Record<string, string>): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...SECURITY_HEADERS, ...headers },
    body,
  };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Stable problem type URIs: one per error code (RFC 9457 §3.1.1). */
export const problemType = (code: string) => `urn:realtone:problem:${code}`;

/**
 * RFC 9457 problem+json. Client errors (4xx) carry their message and details; server errors say only that something
 * failed, with the request id to correlate with logs.
 */
export function problem(error: unknown, event: HttpEvent): HttpResult {
  let status = 500;
  let code = 'internal_error';
  let detail = 'an internal error occurred';
  let extra: Record<string, unknown> = {};
  let headers: Record<string, string> = {};
  const httpError = error as { statusCode?: number; expose?: boolean; message?: string };
  if (isRealToneError(error)) {
    status = error.status;
    code = error.code;
    if (error.expose) detail = error.message;
    if (error instanceof ValidationError && error.details) extra = { errors: error.details };
    const retry = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retry) headers = { 'retry-after': String(retry) };
  } else if (typeof httpError?.statusCode === 'number' && httpError.statusCode < 500) {
    // http-errors from middy's JSON body parser: it answers 415 both for a missing JSON content type and for a
    // malformed body; the second is a client syntax error, 400 here.
    const malformed = /malformed JSON/i.test(httpError.message ?? '');
    status = malformed ? 400 : httpError.statusCode;
    code = malformed ? 'invalid_json' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
    detail = malformed
      ? 'the request body is not valid JSON'
      : (httpError.message ?? TITLES[status] ?? 'invalid request');
  }
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify({
      type: problemType(code),
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
      instance: event.rawPath,
      request_id: event.requestContext?.requestId,
      ...extra,
    }),
  };
}
