/**
 * The one table from error codes to HTTP statuses, gRPC statuses and WebSocket close codes, and the API's
 * problem+json built from it, for RealTone's own errors and middy's http-errors (by their properties).
 */
import httpJsonBodyParser from '@middy/http-json-body-parser';
import middy from '@middy/core';
import { createError } from '@middy/util';
import { describe, expect, it } from 'vitest';
import { problem, type HttpEvent } from '../../../functions/api/http.ts';
import { AUDIO_ERROR_CODES, AudioError } from '../../../functions/audio/errors.ts';
import { PermissionDeniedError } from '../../../functions/core/detection/analyze-request.ts';
import { OverloadedError } from '../../../functions/core/pipeline/errors.ts';
import { StreamLimitError, StreamProtocolError } from '../../../functions/core/streams/errors.ts';
import {
  closeCodeFor,
  ERROR_TABLE,
  GRPC,
  grpcStatusFor,
  httpStatusFor,
  WS_CLOSE,
} from '../../../functions/shared/error-table.ts';
import { ConfigError, NotFoundError, ValidationError } from '../../../functions/shared/errors.ts';
import { SecretUnreadableError } from '../../../functions/shared/secret-box.ts';

const event = (headers: Record<string, string> = {}, body?: string) =>
  ({
    rawPath: '/v1/uploads',
    headers,
    body,
    requestContext: { requestId: 'req-1' },
  }) as unknown as HttpEvent;

const parsed = (error: unknown, e = event()) => {
  const result = problem(error, e);
  return { status: result.statusCode, body: JSON.parse(result.body as string) as Record<string, unknown> };
};

describe('the error table', () => {
  it('maps each code to one HTTP status, gRPC status and close code', () => {
    expect(transport('not_found')).toEqual([404, GRPC.NOT_FOUND, WS_CLOSE.policy]);
    expect(transport('permission_denied')).toEqual([403, GRPC.PERMISSION_DENIED, WS_CLOSE.policy]);
    expect(transport('overloaded')).toEqual([503, GRPC.UNAVAILABLE, WS_CLOSE.tryAgainLater]);
    expect(transport('frame_too_large')).toEqual([413, GRPC.INVALID_ARGUMENT, WS_CLOSE.tooBig]);
    expect(transport('shutting_down')).toEqual([503, GRPC.UNAVAILABLE, WS_CLOSE.goingAway]);
    expect(transport('storage_full')).toEqual([507, GRPC.RESOURCE_EXHAUSTED, WS_CLOSE.tryAgainLater]);
    expect(transport('unauthorized')).toEqual([401, GRPC.UNAUTHENTICATED, WS_CLOSE.policy]);
    // Anything unknown is an internal error everywhere; so is a name inherited from Object.prototype.
    expect(transport('no_such_code')).toEqual([500, GRPC.INTERNAL, WS_CLOSE.internal]);
    expect(transport('constructor')).toEqual([500, GRPC.INTERNAL, WS_CLOSE.internal]);
  });

  it('keeps the statuses the API and the stream protocol documented before the table', () => {
    const http: Record<string, number> = {
      unsupported_format: 415,
      corrupt_audio: 422,
      empty_audio: 422,
      too_short: 422,
      too_long: 422,
      too_large: 413,
      email_taken: 409,
      invalid_credentials: 401,
      too_many_attempts: 429,
      too_many_pending_jobs: 429,
      idempotency_key_reused: 422,
      idempotency_in_progress: 409,
      upload_mismatch: 422,
    };
    for (const [code, status] of Object.entries(http)) expect(httpStatusFor(code), code).toBe(status);
    const ws: Record<string, number> = {
      invalid_ticket: 1008,
      idle_timeout: 1008,
      too_long: 1008,
      bad_start: 1003,
      bad_message: 1003,
      corrupt_audio: 1003,
      frame_too_large: 1009,
      too_many_sessions: 1013,
      internal_error: 1011,
    };
    for (const [code, close] of Object.entries(ws)) expect(closeCodeFor(code), code).toBe(close);
  });

  it('sends every bad-audio code to gRPC as INVALID_ARGUMENT', () => {
    for (const code of AUDIO_ERROR_CODES) expect(grpcStatusFor(code), code).toBe(GRPC.INVALID_ARGUMENT);
  });

  it('has a row for the code of every error class', () => {
    const errors = [
      new NotFoundError('x'),
      new ValidationError('x'),
      new ConfigError('x'),
      new OverloadedError('x'),
      new PermissionDeniedError('x'),
      new StreamProtocolError('bad_start', 'x'),
      new StreamLimitError('idle_timeout', 'x'),
      new SecretUnreadableError('rejected', 'x'),
      ...AUDIO_ERROR_CODES.map((c) => new AudioError(c, 'x')),
    ];
    for (const error of errors) expect(Object.hasOwn(ERROR_TABLE, error.code), error.code).toBe(true);
    // Errors carry no transport status of their own.
    for (const error of errors) expect('status' in error, error.code).toBe(false);
  });
});

function transport(code: string) {
  return [httpStatusFor(code), grpcStatusFor(code), closeCodeFor(code)];
}

describe('problem+json', () => {
  it('shows a client error message and hides a server one', () => {
    expect(parsed(new AudioError('too_large', 'the file is 3 GB'))).toMatchObject({
      status: 413,
      body: { code: 'too_large', detail: 'the file is 3 GB', status: 413 },
    });
    const internal = parsed(new ConfigError('DATABASE_URL is postgres://secret@db'));
    expect(internal.status).toBe(500);
    expect(internal.body.detail).toBe('an internal error occurred');
  });

  /** Runs middy's JSON body parser on a request and returns the problem its error becomes. */
  async function throughBodyParser(headers: Record<string, string>, body?: string) {
    let caught: unknown;
    const handler = middy();
    handler.use(httpJsonBodyParser() as never);
    handler.use({ onError: (request: { error: unknown }) => void (caught = request.error) } as never);
    const run = handler.handler(async () => ({ statusCode: 200 }));
    await run(event(headers, body) as never, {} as never).catch(() => undefined);
    return parsed(caught, event(headers, body));
  }

  it('tells a malformed JSON body (400) from a body that is not JSON (415), without reading messages', async () => {
    expect(await throughBodyParser({ 'content-type': 'application/json' }, '{"a":')).toMatchObject({
      status: 400,
      body: { code: 'invalid_json' },
    });
    expect(await throughBodyParser({ 'content-type': 'application/json' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_json' },
    });
    expect(await throughBodyParser({ 'content-type': 'text/plain' }, '{}')).toMatchObject({
      status: 415,
      body: { code: 'unsupported_media_type' },
    });
  });

  it('maps other http-errors by status and expose, whatever their message says', () => {
    expect(parsed(createError(415, 'Invalid or malformed JSON was provided'))).toMatchObject({
      status: 415,
      body: { code: 'unsupported_media_type' },
    });
    expect(parsed(createError(400, 'malformed JSON'))).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    const hidden = parsed(createError(400, 'internal detail', { expose: false }));
    expect(hidden).toMatchObject({ status: 500, body: { code: 'internal_error' } });
  });
});
