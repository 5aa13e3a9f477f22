/**
 * Results reach clients in AWS (docs/webhooks.md): the events socket is an API Gateway WebSocket API whose routes go
 * to one $connect/$disconnect function; connections live in a DynamoDB table with a TTL and a by-user index; the
 * notifications queue (with its dead-letter queue) feeds the sender Lambda, which also runs every minute. Every
 * grant names one of these resources.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  BASE_CONTEXT,
  logicalId,
  removeSynthOutputs,
  resourcesOf,
  statementsOfRole,
  STREAM_CONTEXT,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

let s: Synthesized;
beforeAll(() => {
  s = synth({ ...BASE_CONTEXT, ...STREAM_CONTEXT });
}, 180_000);

const lambdaEnv = (description: RegExp) => {
  const fns = s.template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(description.source) },
  });
  expect(Object.keys(fns)).toHaveLength(1);
  return Object.values(fns)[0]!.Properties.Environment.Variables as Record<string, unknown>;
};

describe('events socket', () => {
  it('is a WebSocket API with $connect, $disconnect and $default on one function, on a throttled, logged stage', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
    const routes = s.template.findResources('AWS::ApiGatewayV2::Route');
    const keys = Object.values(routes).map((r) => r.Properties.RouteKey as string);
    expect(keys).toEqual(expect.arrayContaining(['$connect', '$disconnect', '$default']));
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'v1',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50 }),
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const connectEnv = lambdaEnv(/^RealTone events socket: \$connect/);
    expect(connectEnv).toMatchObject({
      CONNECTIONS_TABLE: { Ref: logicalId(s, s.stack.notifications.connectionsTable) },
      CACHE_DRIVER: 'redis',
    });
    expect(connectEnv).not.toHaveProperty('JWT_SECRET_ARN');
    expect(connectEnv).not.toHaveProperty('DATABASE_SECRET_ARN');
  });

  it('keeps connections in DynamoDB with a TTL and an index by user', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'connection_id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'by_user',
          KeySchema: [{ AttributeName: 'user_id', KeyType: 'HASH' }],
        }),
      ],
    });
  });

  it('hands out the stage URL with events tickets', () => {
    const fns = s.template.findResources('AWS::Lambda::Function', {
      Properties: { Description: 'RealTone API POST /v1/events/tickets' },
    });
    const env = Object.values(fns)[0]!.Properties.Environment.Variables;
    expect(JSON.stringify(env.EVENTS_PUBLIC_URL)).toContain(logicalId(s, s.stack.notifications.socketApi));
    expect(env.WEBHOOK_URL_POLICY).toBe('public');
  });
});

describe('notifications queue and sender', () => {
  it('feeds the sender with partial batch responses, a dead-letter queue and TLS only', () => {
    const queueId = logicalId(s, s.stack.notifications.queue);
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.sender), 'Arn'] } }),
      ],
    });
    const env = lambdaEnv(/^RealTone notification sender/);
    expect(env).toMatchObject({
      NOTIFICATIONS_QUEUE_URL: { Ref: queueId },
      WEBHOOK_URL_POLICY: 'public',
      CONNECTIONS_TABLE: { Ref: logicalId(s, s.stack.notifications.connectionsTable) },
    });
    // The @connections endpoint of the socket's own stage.
    expect(JSON.stringify(env.EVENTS_CALLBACK_URL)).toContain(logicalId(s, s.stack.notifications.socketApi));
    expect(JSON.stringify(env.EVENTS_CALLBACK_URL)).toMatch(/^\{"Fn::Join":\["",\["https:\/\/"/);
    expect(env).not.toHaveProperty('JWT_SECRET_ARN');
    expect(env).not.toHaveProperty('REDIS_AUTH_SECRET_ARN');
    // It opens the webhook secrets it signs with (test/infra/webhook-secret-key.test.ts).
    expect(env.WEBHOOK_SECRET_KEY_ARN).toEqual({ Ref: logicalId(s, s.stack.webhookSecretKey) });
  });

  it('lets the worker and the stream service send notifications, and nothing else of the queue', () => {
    const queueArn = { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.queue), 'Arn'] };
    for (const role of [s.stack.gpu!.taskRole, s.stack.stream!.taskRole]) {
      const statements = statementsOfRole(s.template, logicalId(s, role)).filter((st) =>
        resourcesOf(st).some((r) => JSON.stringify(r) === JSON.stringify(queueArn)),
      );
      expect(statements.flatMap(actionsOf).sort()).toEqual([
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
    }
    const api = statementsOfRole(s.template, logicalId(s, s.stack.api.role));
    expect(JSON.stringify(api)).not.toContain(logicalId(s, s.stack.notifications.queue));
  });

  it('grants the sender and $connect exactly what they use', () => {
    const n = s.stack.notifications;
    const tableArn = { 'Fn::GetAtt': [logicalId(s, n.connectionsTable), 'Arn'] };
    const sender = statementsOfRole(s.template, logicalId(s, n.senderRole));
    const dynamo = sender.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(dynamo.flatMap(resourcesOf)).toEqual(expect.arrayContaining([tableArn]));
    const manage = sender.filter((st) => actionsOf(st).includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    expect(JSON.stringify(manage[0]!.Resource)).toContain('/v1/POST/@connections/*');
    const s3 = sender.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(s3[0]!.Resource)).toContain('/results/*');
    const secrets = sender.filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'));
    expect(secrets.flatMap(resourcesOf)).toEqual([
      { Ref: logicalId(s, s.stack.data.databaseSecret) },
      { Ref: logicalId(s, s.stack.webhookSecretKey) },
    ]);

    const connect = statementsOfRole(s.template, logicalId(s, n.connectRole));
    const connectDynamo = connect.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(connectDynamo.flatMap(actionsOf).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
    const connectSecrets = connect.filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'));
    expect(connectSecrets.flatMap(resourcesOf)).toEqual([
      { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
    ]);
    expect(connect.flatMap(actionsOf).some((a) => a.startsWith('s3:') || a.startsWith('sqs:'))).toBe(false);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedFindings(s.app).filter((f) => f.includes('Notifications'))).toEqual([]);
  });
});
