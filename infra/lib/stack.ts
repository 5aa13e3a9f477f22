import { Annotations, Aws, CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeGeneratedRoles, acknowledgeSingletons } from './acknowledgements.ts';
import { Api, deployedRoutes } from './api.ts';
import { FIXTURE_MODEL_MANIFEST, modelManifestPresent, type RealToneConfig } from './config.ts';
import { Data } from './data.ts';
import { CpuDetector } from './detector-cpu.ts';
import { GpuDetector } from './detector-gpu.ts';
import {
  apiEnvironment,
  connectEnvironment,
  senderEnvironment,
  webhookSecretsEnvironment,
  workerEnvironment,
} from './environment.ts';
import { grantApi, grantNotifications, grantWebhookSecretKey, grantWorker } from './grants.ts';
import { addSchemaMigration } from './migration.ts';
import { Network } from './network.ts';
import { addAppSecrets } from './secrets.ts';
import { Notifications } from './notifications.ts';
import { AlarmTopic, METRICS_PORT, Observability } from './observability.ts';
import { StorageAndQueue } from './storage.ts';
import { addGrpc } from './grpc.ts';
import type { GrpcService } from './grpc-service.ts';
import type { StreamService } from './stream-service.ts';
import { addStreaming, warnNoStreaming } from './streaming.ts';
import { WebApp } from './web.ts';

export interface RealToneStackProps extends StackProps {
  config: RealToneConfig;
}

/** CloudWatch Logs accepts only these retention periods; the configured days round up to the next one. */
export function retentionFor(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0 && v !== logs.RetentionDays.INFINITE)
    .sort((a, b) => a - b);
  return (allowed.find((d) => d >= days) ?? allowed[allowed.length - 1]) as logs.RetentionDays;
}

/**
 * RealTone in one stack, composed of constructs split by concern: network, data, storage and queue, API, detector
 * (GPU on ECS or CPU on Lambda, chosen with -c detectorMode), the streaming service (ECS behind an ALB, when its
 * domain and certificate are given), schema migration on deploy, and observability. The runtime contract
 * (environment variables) comes from environment.ts.
 */
export class RealToneStack extends Stack {
  readonly config: RealToneConfig;
  readonly network: Network;
  readonly data: Data;
  readonly storage: StorageAndQueue;
  readonly api: Api;
  readonly web?: WebApp;
  readonly gpu?: GpuDetector;
  readonly cpu?: CpuDetector;
  readonly stream?: StreamService;
  /** The gRPC service behind its internal NLB (-c grpc=true). */
  readonly grpc?: GrpcService;
  readonly notifications: Notifications;
  readonly migrateFunction: lambda.Function;
  readonly jwtSecret: secretsmanager.Secret;
  readonly webhookSecretKey: secretsmanager.Secret;
  readonly observability: Observability;
  readonly apiEnvironment: Record<string, string>;
  readonly workerEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: RealToneStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    Tags.of(this).add('app', 'realtone');
    const logRetention = retentionFor(config.logRetentionDays);

    if (!config.modelS3Uri && !modelManifestPresent(config)) {
      Annotations.of(this).addWarningV2(
        'realtone:model-manifest-missing',
        `${config.modelManifest} is not in this checkout: the detector image build will fail. Train or fetch ` +
          `the model first, or deploy the test fixture with -c modelManifest=${FIXTURE_MODEL_MANIFEST}.`,
      );
    }

    this.network = new Network(this, 'Network', {
      natGateways: config.natGateways,
      publicSubnets: Boolean(config.stream),
      logRetention,
    });
    const { vpc, appSubnets } = this.network;

    const apiSg = this.clientSecurityGroup('ApiSg', 'RealTone API and migration functions');
    const workerSg = this.clientSecurityGroup('WorkerSg', 'RealTone detector (ECS tasks or Lambda)');
    const grpcSg = config.grpc
      ? this.clientSecurityGroup(
          'GrpcSg',
          'RealTone gRPC service tasks: inbound only from their internal NLB',
        )
      : undefined;
    const streamSg = config.stream
      ? this.clientSecurityGroup('StreamSg', 'RealTone streaming service tasks: inbound only from their ALB')
      : undefined;

    this.data = new Data(this, 'Data', {
      vpc,
      subnets: appSubnets,
      clients: [apiSg, workerSg, ...(streamSg ? [streamSg] : []), ...(grpcSg ? [grpcSg] : [])],
      instanceClass: config.dbInstanceClass,
      allocatedStorageGb: config.dbAllocatedStorageGb,
      multiAz: config.dbMultiAz,
      deletionProtection: config.deletionProtection,
      cacheNodeType: config.cacheNodeType,
    });
    this.storage = new StorageAndQueue(this, 'Storage', {
      webOrigins: config.webOrigins,
      uploadExpiryDays: config.uploadExpiryDays,
      // AWS requires a Lambda event source's queue to stay invisible at least the function timeout.
      visibilityTimeoutSeconds:
        config.detectorMode === 'cpu'
          ? Math.max(config.visibilityTimeoutSeconds, config.cpuFunctionTimeoutSeconds)
          : config.visibilityTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
    });
    if (!config.webOrigins.length && !config.webApp) {
      Annotations.of(this).addWarningV2(
        'realtone:no-web-origins',
        'No -c webOrigins given: browsers on other origins cannot call the API or POST uploads (CLI use only).',
      );
    }

    ({ jwtSecret: this.jwtSecret, webhookSecretKey: this.webhookSecretKey } = addAppSecrets(this));

    const { data, storage } = this;
    const baseRefs = { storage, data, jwtSecret: this.jwtSecret, webhookSecretKey: this.webhookSecretKey };
    this.notifications = new Notifications(this, 'Notifications', {
      vpc,
      subnets: appSubnets,
      securityGroup: apiSg,
      senderEnvironment: senderEnvironment(config, baseRefs),
      connectEnvironment: connectEnvironment(baseRefs),
      logRetention,
    });
    const refs = {
      ...baseRefs,
      notifications: { queue: this.notifications.queue, socketUrl: this.notifications.socketStage.url },
    };
    this.apiEnvironment = apiEnvironment(config, refs);
    this.workerEnvironment = workerEnvironment(config, refs);

    this.api = new Api(this, 'Api', {
      routes: deployedRoutes(Boolean(config.stream)),
      vpc,
      subnets: appSubnets,
      securityGroup: apiSg,
      environment: this.apiEnvironment,
      webhookSecretsEnvironment: webhookSecretsEnvironment(refs),
      webOrigins: config.webOrigins,
      memoryMb: config.apiMemoryMb,
      throttleRate: config.apiThrottleRate,
      throttleBurst: config.apiThrottleBurst,
      logRetention,
      modelManifest: config.modelManifest,
    });
    for (const role of this.api.roles) grantApi(role, this, this.jwtSecret);
    // Only what seals or opens a webhook secret may read the key.
    grantWebhookSecretKey(this.webhookSecretKey, [
      this.api.webhookSecretsRole,
      this.notifications.senderRole,
    ]);

    if (config.webApp) {
      this.web = new WebApp(this, 'Web', {
        httpApi: this.api.httpApi,
        accessLogBucket: storage.accessLogBucket,
        // The live page opens the streaming socket on its own origin, and job pages the events socket (the CSP's
        // connect-src).
        connectSources: [
          ...(config.stream ? [`wss://${config.stream.domain}`] : []),
          `wss://${this.notifications.socketApi.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
        ],
      });
      // The app's pages POST uploads straight to the bucket.
      storage.bucket.addCorsRule({
        allowedOrigins: [this.web.origin],
        allowedMethods: [s3.HttpMethods.POST],
        allowedHeaders: ['*'],
        exposedHeaders: ['ETag', 'Location'],
        maxAge: 3000,
      });
    }

    const alarms = new AlarmTopic(this, 'Alarms', { alarmEmail: config.alarmEmail });

    let workerPrincipal: iam.IRole;
    let workerLogGroup: logs.ILogGroup;
    let detectorTarget: Construct;
    if (config.detectorMode === 'gpu') {
      const gpu = new GpuDetector(this, 'GpuDetector', {
        config,
        vpc,
        subnets: appSubnets,
        securityGroup: workerSg,
        queue: storage.queue,
        environment: {
          AWS_REGION: Aws.REGION,
          ...this.workerEnvironment,
          // Prometheus on its own port inside the VPC, and the same metrics as EMF for the CloudWatch dashboard.
          METRICS_PORT: String(METRICS_PORT),
          METRICS_HOST: '0.0.0.0',
          METRICS_EMF: 'true',
        },
        alarmTopic: alarms.topic,
        logRetention,
      });
      storage.queue.grantConsumeMessages(gpu.taskRole);
      // Fair scheduling defers a user's excess messages by sending them back to the end of the queue.
      storage.queue.grantSendMessages(gpu.taskRole);
      this.gpu = gpu;
      workerPrincipal = gpu.taskRole;
      workerLogGroup = gpu.logGroup;
      detectorTarget = gpu.service;
    } else {
      const cpu = new CpuDetector(this, 'CpuDetector', {
        config,
        vpc,
        subnets: appSubnets,
        securityGroup: workerSg,
        queue: storage.queue,
        environment: this.workerEnvironment,
        logRetention,
      });
      this.cpu = cpu;
      workerPrincipal = cpu.role;
      workerLogGroup = cpu.logGroup;
      detectorTarget = cpu.function;
    }
    grantWorker(workerPrincipal, this, config.modelS3Uri);

    const streaming =
      config.stream && streamSg
        ? addStreaming(this, {
            config,
            stream: config.stream,
            network: this.network,
            securityGroup: streamSg,
            refs,
            alarmTopic: alarms.topic,
            logRetention,
          })
        : warnNoStreaming(this);
    this.stream = streaming?.service;
    if (config.grpc && grpcSg)
      this.grpc = addGrpc(this, {
        config,
        grpc: config.grpc,
        network: this.network,
        securityGroup: grpcSg,
        refs,
        alarmTopic: alarms.topic,
        logRetention,
      }).service;
    grantNotifications(this.notifications, this, [
      workerPrincipal,
      ...(this.stream ? [this.stream.taskRole] : []),
    ]);

    this.migrateFunction = addSchemaMigration(this, {
      data,
      vpc,
      subnets: appSubnets,
      securityGroup: apiSg,
      logRetention,
      executeBefore: [
        ...this.api.functions,
        detectorTarget,
        this.notifications.sender,
        ...(this.stream ? [this.stream.service] : []),
        ...(this.grpc ? [this.grpc.service] : []),
      ],
    });

    this.observability = new Observability(this, 'Observability', {
      topic: alarms.topic,
      queue: storage.queue,
      deadLetterQueue: storage.deadLetterQueue,
      httpApi: this.api.httpApi,
      apiFunctions: this.api.functions,
      workerLogGroup,
      detectorFunction: this.cpu?.function,
      backlog: this.gpu?.backlog,
      runningTasks: this.gpu?.runningTasks,
      oldestMessageAlarmSeconds: config.oldestMessageAlarmSeconds,
    });

    if (streaming) this.observability.dashboard.addWidgets(...streaming.widgets);

    new CfnOutput(this, 'UploadBucketName', { value: storage.bucket.bucketName });
    new CfnOutput(this, 'JobsQueueUrl', { value: storage.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: storage.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'DetectorMode', { value: config.detectorMode });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });

    const lambdaRoles = [this.migrateFunction.role!, ...(this.cpu ? [this.cpu.role] : [])];
    acknowledgeGeneratedRoles({ xray: [...this.api.roles, ...lambdaRoles], vpcAccess: lambdaRoles });
    acknowledgeSingletons(this, this.web);
  }

  private clientSecurityGroup(id: string, description: string): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, id, {
      vpc: this.network.vpc,
      description,
      allowAllOutbound: false,
    });
    // AWS APIs (S3 via the gateway endpoint, SQS via its interface endpoint, the rest via NAT or endpoints).
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs over HTTPS');
    return sg;
  }
}
