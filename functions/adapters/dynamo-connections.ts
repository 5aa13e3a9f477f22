/**
 * Events-socket connections in AWS: API Gateway's WebSocket API holds the sockets, a DynamoDB table maps each
 * connection to its user (with a TTL, since a $disconnect can be missed), and a push posts through the
 * @connections API to the user's connections only. A connection API Gateway says is gone (410) is removed.
 */
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionPusher } from '../ports/notifications.ts';

/** API Gateway closes a WebSocket after 2 h at most; the row outlives it a little. */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 600;
/** The table's index from a user to their connections. */
export const BY_USER_INDEX = 'by_user';

export class DynamoConnections implements ConnectionPusher {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly table: string,
    options: { region: string; endpoint?: string; callbackUrl?: string },
    private readonly management = options.callbackUrl
      ? new ApiGatewayManagementApiClient({ region: options.region, endpoint: options.callbackUrl })
      : undefined,
  ) {
    this.doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      }),
    );
  }

  async add(connectionId: string, userId: string, now = Date.now()): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          connection_id: connectionId,
          user_id: userId,
          expires_at: Math.floor(now / 1000) + CONNECTION_TTL_SECONDS,
        },
      }),
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { connection_id: connectionId } }));
  }

  async connectionsOf(userId: string): Promise<string[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: 'user_id = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    );
    const now = Math.floor(Date.now() / 1000);
    // TTL deletion lags; an expired row is treated as gone.
    return (out.Items ?? []).filter((i) => Number(i.expires_at) > now).map((i) => String(i.connection_id));
  }

  async push(userId: string, message: string): Promise<void> {
    if (!this.management) throw new Error('EVENTS_CALLBACK_URL is not set');
    const data = new TextEncoder().encode(message);
    await Promise.all(
      (await this.connectionsOf(userId)).map(async (id) => {
        try {
          await this.management!.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
        } catch (error) {
          if (
            error instanceof GoneException ||
            (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
          )
            await this.remove(id);
          else throw error;
        }
      }),
    );
  }
}
