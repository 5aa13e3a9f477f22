/**
 * The stack in GPU mode (the default), synthesised once and shared by every test in this file. Assertions are about
 * behaviour: who may do what to which resource, how the pieces are wired, how the detector scales. Shared resources
 * (network, data, storage, API, alarms) are checked here; stack-cpu.test.ts covers what differs in CPU mode.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedRoutes } from '../../infra/lib/api.ts';
import { REPO_ROOT } from '../../infra/lib/config.ts';
import { METRIC_NAMESPACE, WORKER_ERRORS_METRIC } from '../../infra/lib/observability.ts';
import {
  acknowledgements,
  actionsOf,
  BASE_CONTEXT,
  ecsEnvironment,
  logicalId,
  resourcesOf,
  statementsOfRole,
  removeSynthOutputs,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

let s: Synthesized;
const uploadsArn = (bucketId: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/uploads/*']],
});
const resultsArn = (bucketId: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/results/*']],
});

beforeAll(() => {
  s = synth({ ...BASE_CONTEXT, detectorMode: 'gpu' }, { cloudFormationValidation: true });
}, 180_000);

describe('cdk-nag (AwsSolutions through Validations)', () => {
  it('has no unacknowledged finding', () => {
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const acks = acknowledgements(s.app).filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(10);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
  });

  it('is registered on the app, so `cdk synth` runs it', () => {
    expect(s.app.node.metadata).toBeDefined();
    const plugins =
      (s.app as unknown as { _validationPlugins?: { name: string }[] })._validationPlugins ?? [];
    expect(plugins.map((p) => p.name)).toContain('AwsSolutions');
  });
});

describe('offline synthesis', () => {
  it('needs no context lookup (nothing missing from cdk.context.json) and no network', () => {
    const assembly = s.app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.context.json'), 'utf8'))).toBeTypeOf('object');
    // Environment-agnostic: account and region come from the deploying credentials.
    expect(s.stack.resolve(s.stack.region)).toEqual({ Ref: 'AWS::Region' });
  });
});

describe('upload bucket', () => {
  it('is private, encrypted, unversioned, and expires raw uploads', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: Match.absent(),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'uploads/',
            ExpirationInDays: 7,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          }),
          // Result manifests follow the uploads' lifecycle.
          Match.objectLike({ Prefix: 'results/', ExpirationInDays: 7, Status: 'Enabled' }),
        ]),
      },
      CorsConfiguration: {
        // The configured origins, then the web app's own (test/infra/web.test.ts).
        CorsRules: Match.arrayWith([
          Match.objectLike({
            AllowedMethods: ['POST'],
            AllowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
          }),
        ]),
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'uploads-bucket/' }),
    });
  });

  it('denies every request that is not TLS', () => {
    const bucketId = logicalId(s, s.stack.storage.bucket);
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('announces objects created under uploads/ on the jobs queue', () => {
    const queueId = logicalId(s, s.stack.storage.queue);
    s.template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(s, s.stack.storage.bucket), 'Arn'] } },
            },
          }),
        ]),
      },
    });
  });
});

describe('jobs queue', () => {
  it('is encrypted, sized to the longest job and redrives to the DLQ after 5 receives', () => {
    const dlqId = logicalId(s, s.stack.storage.deadLetterQueue);
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 30,
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('keeps dead letters 14 days, encrypted', () => {
    const dlq = s.template.toJSON().Resources[logicalId(s, s.stack.storage.deadLetterQueue)];
    expect(dlq.Properties).toMatchObject({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
  });

  it('refuses non-TLS access to every queue (jobs and notifications, each with its dead-letter queue)', () => {
    const policies = s.template.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(4);
  });
});

describe('least privilege', () => {
  it('lets the API presign and delete uploads under uploads/, and read and delete manifests under results/', () => {
    const bucketId = logicalId(s, s.stack.storage.bucket);
    const statements = statementsOfRole(s.template, logicalId(s, s.stack.api.role));
    const s3Object = statements.filter((st) => actionsOf(st).some((a) => /^s3:.*Object/.test(a)));
    expect(s3Object).toHaveLength(2);
    expect(actionsOf(s3Object[0]!).sort()).toEqual(['s3:DeleteObject', 's3:PutObject']);
    expect(s3Object[0]!.Resource).toEqual(uploadsArn(bucketId));
    expect(actionsOf(s3Object[1]!).sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
    expect(s3Object[1]!.Resource).toEqual(resultsArn(bucketId));
    // Readiness: HeadBucket (s3:ListBucket) on the bucket itself, GetQueueAttributes on the queue, nothing more.
    const bucketLevel = statements.filter((st) => actionsOf(st).includes('s3:ListBucket'));
    expect(bucketLevel.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
    const sqs = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')));
    expect(sqs.flatMap(actionsOf)).toEqual(['sqs:GetQueueAttributes']);
  });

  it('gives the API its secrets and the idempotency table, and nothing else of either kind', () => {
    const statements = statementsOfRole(s.template, logicalId(s, s.stack.api.role));
    const secrets = statements.filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'));
    expect(secrets.flatMap(resourcesOf)).toEqual(
      expect.arrayContaining([
        { Ref: logicalId(s, s.stack.jwtSecret) },
        { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
      ]),
    );
    expect(secrets.flatMap(resourcesOf)).toHaveLength(3);
    const tableId = logicalId(s, s.stack.data.idempotencyTable);
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo.flatMap(resourcesOf)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
  });

  it('lets the GPU worker read uploads, write manifests under results/ only, and consume the queue', () => {
    const taskRole = logicalId(s, s.stack.gpu!.taskRole);
    const statements = statementsOfRole(s.template, taskRole);
    const s3 = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(s3.map((st) => actionsOf(st).sort())).toEqual([
      ['s3:GetObject'],
      ['s3:DeleteObject', 's3:PutObject'],
    ]);
    expect(s3[0]!.Resource).toEqual(uploadsArn(logicalId(s, s.stack.storage.bucket)));
    expect(s3[1]!.Resource).toEqual(resultsArn(logicalId(s, s.stack.storage.bucket)));
    // Fair scheduling sends a user's excess messages back to the end of the jobs queue; job events go to the
    // notifications queue; nowhere else.
    const send = statements.filter((st) => actionsOf(st).includes('sqs:SendMessage'));
    expect(send.map((st) => st.Resource)).toEqual([
      { 'Fn::GetAtt': [logicalId(s, s.stack.storage.queue), 'Arn'] },
      { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.queue), 'Arn'] },
    ]);
    const sqs = statements.find((st) => actionsOf(st).includes('sqs:ReceiveMessage'))!;
    expect(actionsOf(sqs)).toEqual(
      expect.arrayContaining(['sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
    expect(sqs.Resource).toEqual({ 'Fn::GetAtt': [logicalId(s, s.stack.storage.queue), 'Arn'] });
    expect(statements.flatMap(actionsOf).some((a) => a.startsWith('dynamodb:'))).toBe(false);
    expect(statements.flatMap(actionsOf)).not.toContain('secretsmanager:*');
  });

  it('lets the worker protect only tasks of its own cluster from scale-in', () => {
    const statements = statementsOfRole(s.template, logicalId(s, s.stack.gpu!.taskRole));
    const protection = statements.find((st) => actionsOf(st).includes('ecs:UpdateTaskProtection'))!;
    expect(JSON.stringify(protection.Resource)).toContain(`:task/`);
    expect(JSON.stringify(protection.Resource)).toContain(logicalId(s, s.stack.gpu!.cluster));
  });

  it('uses * only for actions AWS offers no resource scoping for', () => {
    const allowedOnStar =
      /^(xray:Put|ecr:GetAuthorizationToken|ec2:Describe|ecs:(DiscoverPollEndpoint|Poll|RegisterContainerInstance|StartTelemetrySession|Submit|CreateCluster|DeregisterContainerInstance|UpdateContainerInstancesState)|logs:(CreateLogStream|PutLogEvents))/;
    let checked = 0;
    for (const [id, policy] of Object.entries(s.template.findResources('AWS::IAM::Policy'))) {
      for (const st of policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        if (!resourcesOf(st as never).includes('*')) continue;
        for (const action of actionsOf(st as never)) expect(action, `${id}`).toMatch(allowedOnStar);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('runtime contract', () => {
  it('wires every API function with the environment functions/shared/config.ts reads', () => {
    const fns = s.template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^RealTone API ') },
    });
    expect(Object.keys(fns)).toHaveLength(deployedRoutes(false).length);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        VpcConfig: { SubnetIds: expect.any(Array), SecurityGroupIds: expect.any(Array) },
      });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        UPLOAD_BUCKET: { Ref: logicalId(s, s.stack.storage.bucket) },
        JOBS_QUEUE_URL: { Ref: logicalId(s, s.stack.storage.queue) },
        DATABASE_SECRET_ARN: expect.anything(),
        DATABASE_HOST: { 'Fn::GetAtt': [logicalId(s, s.stack.data.proxy), 'Endpoint'] },
        DATABASE_NAME: 'realtone',
        DATABASE_SSL: 'require',
        CACHE_DRIVER: 'redis',
        REDIS_URL: {
          'Fn::Join': [
            '',
            [
              'rediss://',
              { 'Fn::GetAtt': [logicalId(s, s.stack.data.cache), 'PrimaryEndPoint.Address'] },
              ':',
              { 'Fn::GetAtt': [logicalId(s, s.stack.data.cache), 'PrimaryEndPoint.Port'] },
            ],
          ],
        },
        REDIS_AUTH_SECRET_ARN: { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
        JWT_SECRET_ARN: { Ref: logicalId(s, s.stack.jwtSecret) },
        IDEMPOTENCY_TABLE: { Ref: logicalId(s, s.stack.data.idempotencyTable) },
        MODEL_MANIFEST: '/var/task/model.json',
        UPLOAD_URL_TTL_SECONDS: '300',
        JWT_TTL_SECONDS: '900',
        MAX_UPLOAD_BYTES: String(200 * 1024 * 1024),
        MAX_DURATION_SECONDS: '3600',
        RESULT_TTL_SECONDS: '86400',
      });
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('JWT_SECRET');
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('DATABASE_URL');
    }
  });

  it('routes every deployed entry of functions/api/routes.ts to its own function', () => {
    // Without a stream service (no -c streamDomain) the ticket route is the one left out (stack-stream.test.ts).
    expect(deployedRoutes(false).length).toBe(deployedRoutes(true).length - 1);
    for (const route of deployedRoutes(false)) {
      s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        Target: Match.anyValue(),
      });
    }
  });

  it('gives the GPU worker the worker contract, its visibility timeout equal to the queue’s', () => {
    const env = ecsEnvironment(s.template);
    const queue = s.template.toJSON().Resources[logicalId(s, s.stack.storage.queue)];
    expect(env.WORKER_VISIBILITY_TIMEOUT_SECONDS).toBe(String(queue.Properties.VisibilityTimeout));
    expect(env).toMatchObject({
      AWS_REGION: { Ref: 'AWS::Region' },
      UPLOAD_BUCKET: { Ref: logicalId(s, s.stack.storage.bucket) },
      JOBS_QUEUE_URL: { Ref: logicalId(s, s.stack.storage.queue) },
      DATABASE_SSL: 'require',
      CACHE_DRIVER: 'redis',
      MODEL_MANIFEST: 'test/fixtures/models/energy-fixture/model.json',
      INFERENCE_DEVICE: 'auto',
      WORKER_CONCURRENCY: '2',
      WORKER_MAX_ATTEMPTS: '3',
      WORKER_DRAIN_SECONDS: '90',
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      METRICS_EMF: 'true',
      POWERTOOLS_SERVICE_NAME: 'realtone-worker',
    });
    for (const absent of ['JWT_SECRET_ARN', 'JWT_SECRET', 'DATABASE_URL', 'IDEMPOTENCY_TABLE'])
      expect(env).not.toHaveProperty(absent);
  });
});

describe('API', () => {
  it('throttles the default stage and writes JSON access logs to a log group with retention', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('allows CORS from the configured origins only', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com', 'http://localhost:5173'],
      }),
    });
  });
});

describe('data', () => {
  it('keeps Postgres encrypted, private, protected, behind an RDS Proxy that requires TLS', () => {
    s.template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      DBName: 'realtone',
    });
    s.template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
    s.template.hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'POSTGRESQL',
      RequireTLS: true,
      Auth: [Match.objectLike({ AuthScheme: 'SECRETS', IAMAuth: 'DISABLED' })],
    });
  });

  it('opens Postgres (via the proxy) and Valkey only to the API and worker security groups', () => {
    const apiSg = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiSg'), 'GroupId'] };
    const workerSg = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerSg'), 'GroupId'] };
    for (const port of [5432, 6379]) {
      for (const source of [apiSg, workerSg])
        s.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
          FromPort: port,
          ToPort: port,
          SourceSecurityGroupId: source,
        });
    }
    // Nothing is open to an address range.
    const groups = s.template.findResources('AWS::EC2::SecurityGroup');
    for (const g of Object.values(groups))
      for (const rule of (g.Properties.SecurityGroupIngress ?? []) as { CidrIp?: string }[])
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
    // The database itself accepts the proxy only.
    s.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataDatabaseSg'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataProxySg'), 'GroupId'] },
    });
  });

  it('runs Valkey with TLS, encryption at rest and an AUTH token from Secrets Manager', () => {
    s.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      AuthToken: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])],
      },
    });
  });

  it('keys the idempotency table on id with TTL on expiration', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('reaches S3 and DynamoDB through gateway endpoints and SQS through an interface endpoint', () => {
    for (const service of ['s3', 'dynamodb'])
      s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`.${service}`])] }),
      });
    s.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.sqs$')])],
      }),
      PrivateDnsEnabled: true,
    });
  });
});

describe('GPU detector', () => {
  it('runs on GPU instances from the ECS GPU-optimised AMI, in an Auto Scaling group that starts at zero', () => {
    s.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '0',
      MaxSize: '2',
      NewInstancesProtectedFromScaleIn: true,
    });
    s.template.hasParameter('*', {
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id',
    });
    s.template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'g4dn.xlarge',
        MetadataOptions: Match.objectLike({ HttpTokens: 'required' }),
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true }) })],
        UserData: {
          'Fn::Base64': {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('ECS_AWSVPC_BLOCK_IMDS=true')])],
          },
        },
      }),
    });
    s.template.hasResourceProperties('AWS::ECS::CapacityProvider', {
      AutoScalingGroupProvider: Match.objectLike({
        ManagedScaling: Match.objectLike({ Status: 'ENABLED', TargetCapacity: 100 }),
        ManagedTerminationProtection: 'ENABLED',
      }),
    });
  });

  it('asks for one GPU per task, drains on SIGTERM within the stop timeout, and checks its heartbeat', () => {
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['EC2'],
      ContainerDefinitions: [
        Match.objectLike({
          ResourceRequirements: [{ Type: 'GPU', Value: '1' }],
          StopTimeout: 105,
          Command: ['node', '.local/bundles/current/container.mjs'],
          HealthCheck: Match.objectLike({
            Command: ['CMD', 'node', '.local/bundles/current/health.mjs'],
          }),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    expect(Number(ecsEnvironment(s.template).WORKER_DRAIN_SECONDS)).toBeLessThan(105);
  });

  it('starts with no task, on the GPU capacity provider', () => {
    s.template.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 0,
      CapacityProviderStrategy: [Match.objectLike({ Weight: 1 })],
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 0, MaximumPercent: 100 }),
    });
  });

  it('scales from zero as soon as the backlog (visible + in flight) reaches one job', () => {
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 2,
      ScalableDimension: 'ecs:service:DesiredCount',
      RoleARN: Match.objectLike({
        'Fn::Join': [
          '',
          Match.arrayWith([Match.stringLikeRegexp('AWSServiceRoleForApplicationAutoScaling_ECSService')]),
        ],
      }),
    });
    const outPolicy = logicalId(
      s,
      s.stack.node.findChild('GpuDetector').node.findChild('ScaleOut').node.findChild('Resource'),
    );
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ExactCapacity',
        Cooldown: 60,
        MetricAggregationType: 'Maximum',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 },
        ],
      },
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: outPolicy }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'visible + inflight' }),
        Match.objectLike({
          Id: 'visible',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }),
            Period: 60,
          }),
        }),
        Match.objectLike({
          Id: 'inflight',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesNotVisible' }),
          }),
        }),
      ]),
    });
  });

  it('scales to zero after ten idle minutes', () => {
    const inPolicy = logicalId(
      s,
      s.stack.node.findChild('GpuDetector').node.findChild('ScaleToZero').node.findChild('Resource'),
    );
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ExactCapacity',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }],
      }),
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: inPolicy }],
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      Threshold: 0,
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      TreatMissingData: 'breaching',
    });
  });
});

describe('migrations on deploy', () => {
  it('runs the migration function as a trigger before the API functions and the detector', () => {
    const triggers = s.template.findResources('Custom::Trigger');
    const [triggerId, trigger] = Object.entries(triggers)[0]!;
    // The trigger invokes the function's current version: a new migration is a new version, which runs again.
    const versionId = (trigger.Properties.HandlerArn as { Ref: string }).Ref;
    const version = s.template.toJSON().Resources[versionId];
    expect(version).toMatchObject({
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: logicalId(s, s.stack.migrateFunction) } },
    });
    const resources = s.template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    for (const fn of s.stack.api.functions)
      expect(resources[logicalId(s, fn)]!.DependsOn, fn.node.path).toContain(triggerId);
    expect(resources[logicalId(s, s.stack.gpu!.service)]!.DependsOn).toContain(triggerId);
    // … and after the database and its proxy exist.
    expect(trigger.DependsOn).toEqual(
      expect.arrayContaining([logicalId(s, s.stack.data.database), logicalId(s, s.stack.data.proxy)]),
    );
  });

  it('bundles functions/worker/migrate-handler.ts with the database settings only', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('schema migrations'),
      Environment: {
        Variables: Match.objectLike({
          DATABASE_SECRET_ARN: Match.anyValue(),
          DATABASE_HOST: Match.anyValue(),
          DATABASE_SSL: 'require',
        }),
      },
    });
  });
});

describe('observability', () => {
  const alarmOn = (metricName: string, namespace: string) =>
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      Namespace: namespace,
      AlarmActions: [{ Ref: logicalId(s, s.stack.node.findChild('Alarms').node.findChild('Topic')) }],
    });

  it('alarms on DLQ depth, the oldest message, worker errors and API 5xx, to the SNS topic', () => {
    alarmOn('ApproximateNumberOfMessagesVisible', 'AWS/SQS');
    alarmOn('ApproximateAgeOfOldestMessage', 'AWS/SQS');
    alarmOn(WORKER_ERRORS_METRIC, METRIC_NAMESPACE);
    alarmOn('5xx', 'AWS/ApiGateway');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(s, s.stack.storage.deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
    });
  });

  it('counts ERROR log lines of the worker as WorkerErrors', () => {
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.level = "ERROR" }',
      LogGroupName: { Ref: logicalId(s, s.stack.gpu!.logGroup) },
      MetricTransformations: [
        Match.objectLike({ MetricName: WORKER_ERRORS_METRIC, MetricNamespace: METRIC_NAMESPACE }),
      ],
    });
  });

  it('has a dashboard panel per pipeline stage, on the EMF metrics the detector writes', () => {
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    const widgets = JSON.parse(
      (dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[])
        .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
        .join(''),
    ).widgets as { properties: { title: string; metrics?: unknown[] } }[];
    const titles = widgets.map((w) => w.properties.title);
    for (const stage of ['download', 'decode', 'inference', 'write'])
      expect(titles).toContain(`Stage: ${stage} (s)`);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Stage: extractors (p90 s)',
        'Windows per second',
        'Jobs by outcome and error code',
        'Time spent queued (s)',
        'Live streams: sessions and window latency (s)',
      ]),
    );
    const decode = widgets.find((w) => w.properties.title === 'Stage: decode (s)')!;
    expect(JSON.stringify(decode.properties.metrics)).toContain(
      '"RealTone","realtone_stage_duration_seconds","service","realtone-worker","stage","decode"',
    );
    expect(body).toContain('stage=extractor');
  });

  it('has a dashboard and an SNS topic that only accepts TLS', () => {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
