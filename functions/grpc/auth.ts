/**
 * Caller authentication of the gRPC services: with a token configured, every call must carry
 * `authorization: Bearer <token>` metadata (compared in constant time); without one the server only listens on the
 * loopback interface (config.ts refuses anything else), as the original internal service did.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { UnauthorizedError } from '../core/auth/errors.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Returns a check that throws UnauthorizedError for a call without the right token; undefined token → no check. */
export function bearerCheck(token: string | undefined): (metadata: grpc.Metadata) => void {
  if (!token) return () => undefined;
  const expected = digest(token);
  return (metadata) => {
    const values = metadata.get('authorization');
    const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : '';
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected))
      throw new UnauthorizedError('a valid "authorization: Bearer <token>" metadata entry is required');
  };
}
