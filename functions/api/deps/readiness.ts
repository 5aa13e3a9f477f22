/** GET /v1/ready: one cheap read-only call per dependency, with clients of its own (closed at closeApiDeps). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoCheck, s3Check, sqsCheck } from '../../adapters/readiness.ts';
import { createS3Client } from '../../adapters/s3-object-store.ts';
import { createSqsClient } from '../../adapters/sqs-message-source.ts';
import type { Check } from '../../core/health/readiness.ts';
import type { ApiConfig } from '../../shared/config.ts';
import { keyValue } from './key-value.ts';
import { jobRepository } from './postgres.ts';
import { perProcess } from './process.ts';

export const readinessChecks = (c: ApiConfig): Record<string, Check> =>
  perProcess(
    'readiness',
    () => {
      const jobs = jobRepository(c);
      const kv = keyValue(c);
      const clients = {
        dynamo: new DynamoDBClient({
          region: c.AWS_REGION,
          ...(c.DYNAMODB_ENDPOINT ? { endpoint: c.DYNAMODB_ENDPOINT } : {}),
        }),
        s3: createS3Client({ region: c.AWS_REGION, endpoint: c.S3_ENDPOINT }),
        sqs: createSqsClient({ region: c.AWS_REGION, endpoint: c.SQS_ENDPOINT }),
      };
      return {
        clients,
        checks: {
          postgres: () => jobs.ping(),
          cache: () => kv.cache.ping(),
          s3: s3Check(clients.s3, c.UPLOAD_BUCKET),
          sqs: sqsCheck(clients.sqs, c.JOBS_QUEUE_URL),
          dynamodb: dynamoCheck(clients.dynamo, c.IDEMPOTENCY_TABLE),
        },
      };
    },
    ({ clients }) => {
      clients.dynamo.destroy();
      clients.s3.destroy();
      clients.sqs.destroy();
    },
  ).checks;
