/**
 * Errors at the gRPC edge: a domain error's code becomes a gRPC status through the one table
 * (shared/error-table.ts). The status details read `<code>: <message>` (a client error's own message; a server
 * error's generic one) and the trailing metadata carry the code alone as `realtone-error-code`, so a caller can act
 * on the API's error code without parsing text.
 */
import * as grpc from '@grpc/grpc-js';
import { grpcStatusFor } from '../shared/error-table.ts';
import { isRealToneError } from '../shared/errors.ts';
import { getLogger } from '../shared/logger.ts';

export const ERROR_CODE_METADATA = 'realtone-error-code';
const log = getLogger('grpc');

/** The code and caller-facing message of any error (unexpected ones are `internal_error`, logged here). */
export function describeError(error: unknown): { code: string; message: string } {
  if (isRealToneError(error))
    return { code: error.code, message: error.expose ? error.message : 'an internal error occurred' };
  log.error('rpc failed', { error: (error as Error)?.message, stack: (error as Error)?.stack });
  return { code: 'internal_error', message: 'an internal error occurred' };
}

export function toServiceError(error: unknown): grpc.ServiceError {
  const { code, message } = describeError(error);
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA, code);
  return Object.assign(new Error(`${code}: ${message}`), {
    code: grpcStatusFor(code),
    details: `${code}: ${message}`,
    metadata,
  });
}
