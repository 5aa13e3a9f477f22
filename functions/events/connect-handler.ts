/**
 * The events socket's routes on API Gateway's WebSocket API (AWS): `$connect` takes the one-time ticket from the
 * query (POST /v1/events/tickets) and records the connection for its user; a missing, used or expired ticket is
 * refused with 401 before any socket exists. `$disconnect` forgets the connection; `$default` (a client sending
 * something) is ignored: the socket only listens.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { keyValueFromConfig } from '../adapters/factory.ts';
import { DynamoConnections } from '../adapters/dynamo-connections.ts';
import { InvalidTicketError, redeemTicket } from '../core/tickets/tickets.ts';
import { CONNECT_SECTIONS, loadConfig, type ConnectConfig } from '../shared/config.ts';
import { getLogger } from '../shared/logger.ts';
import { resolveSecrets } from '../shared/secrets.ts';

const log = getLogger('events-socket');

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined>;
};

let deps: {
  config: ConnectConfig;
  kv: ReturnType<typeof keyValueFromConfig>;
  connections: DynamoConnections;
};

function init() {
  if (deps) return deps;
  const config = loadConfig(CONNECT_SECTIONS);
  if (!config.CONNECTIONS_TABLE) throw new Error('CONNECTIONS_TABLE is not set');
  deps = {
    config,
    kv: keyValueFromConfig(config),
    connections: new DynamoConnections(config.CONNECTIONS_TABLE, {
      region: config.AWS_REGION,
      endpoint: config.DYNAMODB_ENDPOINT,
    }),
  };
  return deps;
}

export async function handler(event: ConnectEvent): Promise<APIGatewayProxyResultV2> {
  await resolveSecrets();
  const { kv, connections } = init();
  const { routeKey, connectionId } = event.requestContext;
  if (routeKey === '$connect') {
    try {
      const userId = await redeemTicket(kv.tickets, event.queryStringParameters?.ticket, 'events');
      await connections.add(connectionId, userId);
      return { statusCode: 200 };
    } catch (error) {
      if (error instanceof InvalidTicketError) return { statusCode: 401, body: error.code };
      log.error('events $connect failed', { error: (error as Error).message });
      return { statusCode: 500 };
    }
  }
  if (routeKey === '$disconnect') await connections.remove(connectionId);
  return { statusCode: 200 };
}
