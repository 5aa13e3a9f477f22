import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { runtimeFunction } from './bundling.ts';

export interface NotificationsProps {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  /** The API's group: it reaches RDS Proxy and Valkey, and HTTPS anywhere (webhook receivers, AWS APIs). */
  securityGroup: ec2.ISecurityGroup;
  /** The sender's environment: database and bucket (environment.ts, senderEnvironment). */
  senderEnvironment: Record<string, string>;
  /** The $connect function's environment: the ticket store (environment.ts, connectEnvironment). */
  connectEnvironment: Record<string, string>;
  logRetention: logs.RetentionDays;
}

/** The events socket's stage: clients connect to wss://…/v1?ticket=… (the `url` of POST /v1/events/tickets). */
export const EVENTS_STAGE = 'v1';

/**
 * Results reach clients (docs/webhooks.md): the notifications queue the worker and the stream service send job and
 * stream events to; the sender Lambda that consumes it (and, every minute, sweeps due webhook retries), posting
 * webhooks and pushing to events sockets; the events socket itself, an API Gateway WebSocket API whose $connect
 * checks the one-time ticket; and the DynamoDB table of its connections, with a TTL. Grants are the stack's
 * (grants.ts), each naming one of these resources.
 */
export class Notifications extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly connectionsTable: dynamodb.Table;
  readonly socketApi: apigw.WebSocketApi;
  readonly socketStage: apigw.WebSocketStage;
  readonly sender: lambda.Function;
  readonly connectFunction: lambda.Function;
  readonly senderRole: iam.Role;
  readonly connectRole: iam.Role;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the sender's timeout, as Lambda advises for SQS event sources.
      visibilityTimeout: Duration.seconds(6 * 60),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.connectionsTable = new dynamodb.Table(this, 'ConnectionsTable', {
      partitionKey: { name: 'connection_id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Connections live for hours at most; nothing worth keeping after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.connectionsTable.addGlobalSecondaryIndex({
      indexName: 'by_user',
      partitionKey: { name: 'user_id', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['expires_at'],
    });

    const role = (rid: string, description: string) =>
      new iam.Role(this, rid, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description,
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
        ],
      });
    this.connectRole = role('ConnectRole', 'RealTone events socket $connect/$disconnect');
    this.senderRole = role('SenderRole', 'RealTone notification sender (webhooks, events sockets)');
    const logGroup = (lid: string, grantee: iam.IRole) => {
      const group = new logs.LogGroup(this, lid, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      group.grantWrite(grantee);
      return group;
    };

    this.connectFunction = runtimeFunction(this, 'ConnectFunction', {
      entry: 'functions/events/connect-handler.ts',
      description: 'RealTone events socket: $connect checks the ticket, $disconnect forgets the connection',
      role: this.connectRole,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      environment: {
        ...props.connectEnvironment,
        POWERTOOLS_SERVICE_NAME: 'realtone-events',
        CONNECTIONS_TABLE: this.connectionsTable.tableName,
      },
      logGroup: logGroup('ConnectLogs', this.connectRole),
    });

    this.socketApi = new apigw.WebSocketApi(this, 'SocketApi', {
      description: 'RealTone events socket (job status pushes)',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', this.connectFunction),
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', this.connectFunction),
      },
      defaultRouteOptions: {
        integration: new WebSocketLambdaIntegration('DefaultIntegration', this.connectFunction),
      },
    });
    const accessLogs = new logs.LogGroup(this, 'SocketAccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.socketStage = new apigw.WebSocketStage(this, 'SocketStage', {
      webSocketApi: this.socketApi,
      stageName: EVENTS_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            connectionId: '$context.connectionId',
          }),
        ),
      },
    });

    this.sender = runtimeFunction(this, 'SenderFunction', {
      entry: 'functions/notifications/lambda-handler.ts',
      description: 'RealTone notification sender: webhooks (signed, retried) and events-socket pushes',
      role: this.senderRole,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      environment: {
        ...props.senderEnvironment,
        POWERTOOLS_SERVICE_NAME: 'realtone-notifications',
        NOTIFICATIONS_QUEUE_URL: this.queue.queueUrl,
        CONNECTIONS_TABLE: this.connectionsTable.tableName,
        EVENTS_CALLBACK_URL: this.socketStage.callbackUrl,
        WEBHOOK_URL_POLICY: 'public',
      },
      logGroup: logGroup('SenderLogs', this.senderRole),
      timeout: Duration.seconds(60),
    });
    this.sender.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    // Retries further off than SQS can delay a wake-up (15 min), and a safety net for lost wake-ups.
    new events.Rule(this, 'SweepSchedule', {
      description: 'RealTone: attempt webhook deliveries that are due',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.sender)],
    });

    new CfnOutput(scope, 'EventsSocketUrl', {
      value: this.socketStage.url,
      description: 'Events socket (tickets from POST /v1/events/tickets)',
    });

    const vpcPolicy =
      'The AWS managed policy grants exactly the ENI actions Lambda needs to attach to the VPC; those EC2 ' +
      'actions cannot be scoped to resources.';
    for (const r of [this.connectRole, this.senderRole]) {
      Validations.of(r).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: vpcPolicy,
      });
      Validations.of(r).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions (AWS requires *).',
      });
    }
    Validations.of(this.socketApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The $connect route authenticates with the one-time ticket from POST /v1/events/tickets (a JWT never goes ' +
        'in a URL); a Lambda authorizer would only move the same check.',
    });
  }
}
