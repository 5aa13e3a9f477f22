/**
 * `Idempotency-Key` support for POST /v1/uploads, on Powertools idempotency with its DynamoDB persistence layer:
 * the first request with a key runs and its response is stored (table item `id`, TTL attribute `expiration`); a
 * retry with the same key and body returns the stored response, the same job. Reusing a key with a different body
 * is an error, as is a retry while the first request is still running. dynalite (local) has no TTL; Powertools
 * checks `expiration` itself on every read, so expired keys behave the same.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ValidationError } from '../shared/errors.ts';

export interface IdempotencyOptions {
  table: string;
  region: string;
  endpoint?: string;
  ttlSeconds: number;
}

interface Call {
  userId: string;
  key: string;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Wraps `fn(userId, body)` so that calls with the same user and Idempotency-Key run once. */
export function idempotentByKey<R>(
  fn: (userId: string, body: unknown) => Promise<R>,
  options: IdempotencyOptions,
) {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.table,
    awsSdkV3Client: new DynamoDBClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
  });
  const run = makeIdempotent((call: Call) => fn(call.userId, call.body), {
    persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[userId, key]',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: options.ttlSeconds,
      throwOnNoIdempotencyKey: true,
    }),
  });
  return async (userId: string, body: unknown, key: string): Promise<R> => {
    if (!KEY.test(key)) {
      throw new ValidationError('Idempotency-Key must be 1-255 printable ASCII characters', {
        code: 'invalid_idempotency_key',
      });
    }
    try {
      return (await run({ userId, key, body })) as R;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new ValidationError('this Idempotency-Key was used with a different request body', {
          code: 'idempotency_key_reused',
        });
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new ValidationError('a request with this Idempotency-Key is still in progress; retry shortly', {
          code: 'idempotency_in_progress',
        });
      }
      throw error;
    }
  };
}
