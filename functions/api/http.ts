import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpStatusFor } from '../shared/error-table.ts';
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
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

/** Stable problem type URIs: one per error code (RFC 9457 §3.1.1). */
export const problemType = (code: string) => `urn:realtone:problem:${code}`;

/** The JSON body parser's errors (`@middy/http-json-body-parser`) are http-errors whose cause names the package. */
const BODY_PARSER = '@middy/http-json-body-parser';
const JSON_CONTENT_TYPE = /^application\/(.+\+)?json($|;.+)/;

interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  cause?: { package?: string };
}

/**
 * The code of an http-errors error (middy's), from its properties, never its message: an exposed client error from
 * the body parser is `invalid_json` when the request declared JSON (so the body itself did not parse), else
 * `unsupported_media_type`; any other exposed client error is `invalid_request`. Anything else is internal.
 */
function httpErrorCode(error: unknown, event: HttpEvent): string | undefined {
  const e = error as HttpErrorLike | undefined;
  const status = e?.statusCode ?? e?.status;
  if (typeof status !== 'number' || status >= 500 || e?.expose !== true) return undefined;
  if (e.cause?.package === BODY_PARSER) {
    const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'] ?? '';
    return JSON_CONTENT_TYPE.test(contentType) ? 'invalid_json' : 'unsupported_media_type';
  }
  return status === 415 ? 'unsupported_media_type' : 'invalid_request';
}

const HTTP_ERROR_DETAIL: Record<string, string> = {
  invalid_json: 'the request body is not valid JSON',
  unsupported_media_type: 'the request body must be JSON (content-type: application/json)',
  invalid_request: 'invalid request',
};

/**
 * RFC 9457 problem+json. The status comes from the one error table (shared/error-table.ts). Client errors (4xx)
 * carry their message and details; server errors say only that something failed, with the request id to correlate
 * with logs.
 */
export function problem(error: unknown, event: HttpEvent): HttpResult {
  let code = 'internal_error';
  let detail = 'an internal error occurred';
  let extra: Record<string, unknown> = {};
  let headers: Record<string, string> = {};
  if (isRealToneError(error)) {
    code = error.code;
    if (error.expose) detail = error.message;
    if (error instanceof ValidationError && error.details) extra = { errors: error.details };
    const retry = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retry) headers = { 'retry-after': String(retry) };
  } else {
    const httpCode = httpErrorCode(error, event);
    if (httpCode) {
      code = httpCode;
      detail = HTTP_ERROR_DETAIL[httpCode]!;
    }
  }
  const status = httpStatusFor(code);
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
