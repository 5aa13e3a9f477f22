/**
 * Local stand-ins for the managed parts of the events socket in AWS, shared by the integration tests: the
 * connections table on dynalite, created with the key and index the CDK stack gives it (infra/lib/notifications.ts),
 * and API Gateway's @connections API as an HTTP server on 127.0.0.1 that records each push and answers 410 Gone
 * for the connections in `gone`.
 */
import http from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BY_USER_INDEX } from '../../functions/adapters/dynamo-connections.ts';
import { startDynamo } from '../../functions/local/dynamo.ts';

export const CONNECTIONS_TABLE = 'realtone-connections';

export interface ConnectionsStandIns {
  dynamoEndpoint: string;
  /** Base URL of the @connections stand-in. */
  callbackUrl: string;
  /** Every push that was answered 200, in order. */
  pushes: { connection: string; body: string }[];
  /** Connections the stand-in reports gone (410 GoneException). */
  gone: Set<string>;
  stop(): Promise<void>;
}

export async function startConnectionsStandIns(): Promise<ConnectionsStandIns> {
  const dynamo = await startDynamo(0, 'us-east-1');
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: CONNECTIONS_TABLE,
      AttributeDefinitions: [
        { AttributeName: 'connection_id', AttributeType: 'S' },
        { AttributeName: 'user_id', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: BY_USER_INDEX,
          KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['expires_at'] },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client.destroy();

  const pushes: ConnectionsStandIns['pushes'] = [];
  const gone = new Set<string>();
  const management = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const connection = decodeURIComponent(/\/@connections\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '');
      if (gone.has(connection)) {
        res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
        res.end('{"message":"gone"}');
        return;
      }
      pushes.push({ connection, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => management.listen(0, '127.0.0.1', r));
  return {
    dynamoEndpoint: dynamo.endpoint,
    callbackUrl: `http://127.0.0.1:${(management.address() as { port: number }).port}`,
    pushes,
    gone,
    async stop() {
      management.close();
      await dynamo.stop();
    },
  };
}
