/**
 * The events socket as AWS runs it, with local stand-ins for the managed parts: the connections table on dynalite
 * (created as the CDK stack creates it) and API Gateway's @connections API as an HTTP server on 127.0.0.1. The real
 * $connect/$disconnect handler takes tickets issued by the real ticket code; a push reaches only the job owner's
 * connections, and a connection API Gateway reports gone (410) is forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyValueFromConfig } from '../../functions/adapters/factory.ts';
import { DynamoConnections } from '../../functions/adapters/dynamo-connections.ts';
import { issueTicket } from '../../functions/core/tickets/tickets.ts';
import {
  CONNECTIONS_TABLE as TABLE,
  startConnectionsStandIns,
  type ConnectionsStandIns,
} from '../support/connections-aws.ts';

let aws: ConnectionsStandIns;

beforeAll(async () => {
  // The handler reads its configuration from the environment, as in a Lambda (tests run in their own process).
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    CACHE_DRIVER: 'memory',
    CONNECTIONS_TABLE: TABLE,
  });
  aws = await startConnectionsStandIns();
  process.env.DYNAMODB_ENDPOINT = aws.dynamoEndpoint;
});

afterAll(async () => {
  await aws?.stop();
});

const connectEvent = (routeKey: string, connectionId: string, ticket?: string) =>
  ({
    requestContext: { routeKey, connectionId },
    ...(ticket ? { queryStringParameters: { ticket } } : {}),
  }) as never;

describe('events socket in AWS', () => {
  it('$connect takes a ticket once; pushes reach the owner only; gone connections are forgotten', async () => {
    const { handler } = await import('../../functions/events/connect-handler.ts');
    const tickets = keyValueFromConfig({
      CACHE_DRIVER: 'memory',
      REDIS_KEY_PREFIX: 'rt:',
      RESULT_TTL_SECONDS: 60,
    }).tickets;
    const alice = '11111111-1111-4111-8111-111111111111';
    const bob = '22222222-2222-4222-8222-222222222222';
    const a1 = await issueTicket(tickets, alice, 'events', 'wss://x/v1');
    const a2 = await issueTicket(tickets, alice, 'events', 'wss://x/v1');
    const b1 = await issueTicket(tickets, bob, 'events', 'wss://x/v1');
    const streamTicket = await issueTicket(tickets, bob, 'stream', 'wss://x/v1');
    expect(await handler(connectEvent('$connect', 'A1=', a1.ticket))).toEqual({ statusCode: 200 });
    expect(await handler(connectEvent('$connect', 'A2=', a2.ticket))).toEqual({ statusCode: 200 });
    expect(await handler(connectEvent('$connect', 'B1=', b1.ticket))).toEqual({ statusCode: 200 });
    // Used once already, missing, or for the other socket: refused before any connection exists.
    for (const t of [a1.ticket, undefined, streamTicket.ticket])
      expect(await handler(connectEvent('$connect', 'X=', t))).toMatchObject({ statusCode: 401 });

    const connections = new DynamoConnections(TABLE, {
      region: 'us-east-1',
      endpoint: aws.dynamoEndpoint,
      callbackUrl: aws.callbackUrl,
    });
    expect((await connections.connectionsOf(alice)).sort()).toEqual(['A1=', 'A2=']);
    await connections.push(alice, '{"type":"job","job":{"id":"j"}}');
    expect(aws.pushes.map((p) => p.connection).sort()).toEqual(['A1=', 'A2=']);
    expect(aws.pushes.every((p) => p.body === '{"type":"job","job":{"id":"j"}}')).toBe(true);

    aws.gone.add('A2=');
    aws.pushes.length = 0;
    await connections.push(alice, '{"type":"job"}');
    expect(aws.pushes.map((p) => p.connection)).toEqual(['A1=']);
    expect(await connections.connectionsOf(alice)).toEqual(['A1=']);

    expect(await handler(connectEvent('$disconnect', 'A1='))).toEqual({ statusCode: 200 });
    expect(await connections.connectionsOf(alice)).toEqual([]);
    expect(await connections.connectionsOf(bob)).toEqual(['B1=']);
  });
});
