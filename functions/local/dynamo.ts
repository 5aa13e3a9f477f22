/**
 * Local DynamoDB: dynalite in memory on 127.0.0.1 (for the idempotency table). dynalite has no TTL: expired items
 * stay until the process ends, so the idempotency layer also checks expiry itself, as Powertools does.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export const IDEMPOTENCY_TABLE = 'realtone-idempotency';

/** Starts dynalite and creates the idempotency table (partition key `id`), as the CDK stack does in AWS. */
export async function startDynamo(
  port: number,
  region: string,
): Promise<{ endpoint: string; table: string; stop: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  const endpoint = `http://127.0.0.1:${actual}`;
  const client = new DynamoDBClient({ region, endpoint });
  await client.send(
    new CreateTableCommand({
      TableName: IDEMPOTENCY_TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client.destroy();
  return {
    endpoint,
    table: IDEMPOTENCY_TABLE,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
