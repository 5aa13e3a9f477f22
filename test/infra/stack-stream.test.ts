/**
 * The streaming service (issue 24): with -c streamDomain and -c streamCertificateArn the stack runs
 * functions/stream/main.ts as an ECS service of the detector image behind an internet-facing ALB. Checked in both
 * detector modes, by behaviour: what the listener accepts, how traffic reaches the tasks and nothing else does,
 * what the tasks may do, how the service scales and drains, and what the API hands out with tickets.
 */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_SECTIONS, loadConfig } from '../../functions/shared/config.ts';
import { STREAM_ERRORS_METRIC } from '../../infra/lib/stream-monitoring.ts';
import {
  acknowledgements,
  actionsOf,
  BASE_CONTEXT,
  ecsEnvironment,
  logicalId,
  removeSynthOutputs,
  STREAM_CONTEXT,
  resourcesOf,
  statementsOfRole,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

const CERTIFICATE = STREAM_CONTEXT.streamCertificateArn;

const modes: Record<'cpu' | 'gpu', Synthesized> = {} as never;

beforeAll(() => {
  for (const mode of ['cpu', 'gpu'] as const)
    modes[mode] = synth(
      { ...BASE_CONTEXT, ...STREAM_CONTEXT, detectorMode: mode },
      { cloudFormationValidation: true },
    );
}, 240_000);

/** The Properties of one resource of the template (the caller states what it expects). */
const propertiesOf = (s: Synthesized, id: string): unknown =>
  (s.template.toJSON().Resources as Record<string, { Properties: unknown }>)[id]!.Properties;
const ids = (s: Synthesized) => {
  const stream = s.stack.stream!;
  return {
    alb: logicalId(s, stream.front.loadBalancer),
    albSg: s.stack.resolve(stream.front.loadBalancer.connections.securityGroups[0]!.securityGroupId)[
      'Fn::GetAtt'
    ][0] as string,
    targetGroup: logicalId(s, stream.front.targetGroup),
    task: logicalId(s, stream.service.taskDefinition),
    service: logicalId(s, stream.service),
  };
};

describe.each(['cpu', 'gpu'] as const)('streaming service, %s mode', (mode) => {
  it('listens on HTTPS 443 only, with the certificate from context and a TLS 1.2+ policy', () => {
    const s = modes[mode];
    s.template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: ids(s).alb },
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-1-2'),
      // Anything but the socket is answered by the load balancer itself: /health stays internal.
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '404' }),
        }),
      ],
    });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/stream'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: ids(s).targetGroup } }],
    });
  });

  it('is internet-facing in the public subnets, keeps streams open at least 300 s idle, and logs access', () => {
    const s = modes[mode];
    const alb = propertiesOf(s, ids(s).alb) as {
      Scheme: string;
      Subnets: { Ref: string }[];
      LoadBalancerAttributes: { Key: string; Value: unknown }[];
    };
    expect(alb.Scheme).toBe('internet-facing');
    for (const subnet of alb.Subnets) expect(subnet.Ref).toMatch(/publicSubnet/);
    const attributes = Object.fromEntries(alb.LoadBalancerAttributes.map((a) => [a.Key, a.Value]));
    expect(Number(attributes['idle_timeout.timeout_seconds'])).toBeGreaterThanOrEqual(300);
    // Never shorter than the longest stream the service allows (STREAM_MAX_SECONDS, at most 24 h).
    expect(Number(attributes['client_keep_alive.seconds'])).toBeGreaterThanOrEqual(86400);
    expect(attributes).toMatchObject({
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: logicalId(s, s.stack.storage.accessLogBucket) },
      'access_logs.s3.prefix': 'stream-alb',
      'routing.http.drop_invalid_header_fields.enabled': 'true',
    });
    const policy = s.template.findResources('AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: logicalId(s, s.stack.storage.accessLogBucket) } },
    });
    const statements = Object.values(policy).flatMap((p) => p.Properties.PolicyDocument.Statement as never[]);
    const writers = statements.filter((st: { Sid?: string }) => st.Sid?.startsWith('StreamAlbLogs'));
    expect(writers).toHaveLength(2);
    for (const st of writers) {
      expect(actionsOf(st)).toEqual(['s3:PutObject']);
      expect(JSON.stringify(st)).toContain('/stream-alb/AWSLogs/');
    }
  });

  it('health-checks GET /health on the container port and drains a leaving task for the deregistration delay', () => {
    const s = modes[mode];
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Protocol: 'HTTP',
      Port: 8080,
      HealthCheckPath: '/health',
      HealthCheckPort: 'traffic-port',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }]),
    });
    s.template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [
        { ContainerName: 'stream', ContainerPort: 8080, TargetGroupArn: { Ref: ids(s).targetGroup } },
      ],
      DesiredCount: 1,
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, MaximumPercent: 200 }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ SecurityGroups: [Match.anyValue()] }) },
    });
  });

  it('runs functions/stream/main.ts of the detector image, which drains on SIGTERM within the stop timeout', () => {
    const s = modes[mode];
    const { ContainerDefinitions } = propertiesOf(s, ids(s).task) as {
      ContainerDefinitions: { Command: string[]; StopTimeout: number; PortMappings: unknown[] }[];
    };
    const [container] = ContainerDefinitions;
    expect(container!.Command).toEqual(['node', '.local/bundles/current/stream.mjs']);
    expect(container!.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
    const env = ecsEnvironment(s.template, ids(s).task);
    expect(container!.StopTimeout).toBe(Number(env.STREAM_DRAIN_SECONDS) + 10);
    expect(container!.StopTimeout).toBeLessThanOrEqual(120);
  });

  it('gives the tasks an environment the stream service’s own configuration accepts', () => {
    const s = modes[mode];
    const env = ecsEnvironment(s.template, ids(s).task);
    expect(env).toMatchObject({
      AWS_REGION: { Ref: 'AWS::Region' },
      DATABASE_SECRET_ARN: { Ref: expect.stringMatching(/^DataPostgresSecretAttachment/) },
      DATABASE_HOST: { 'Fn::GetAtt': [logicalId(s, s.stack.data.proxy), 'Endpoint'] },
      DATABASE_SSL: 'require',
      REDIS_AUTH_SECRET_ARN: { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
      JWT_SECRET_ARN: { Ref: logicalId(s, s.stack.jwtSecret) },
      // The API stores tickets under the same prefix.
      REDIS_KEY_PREFIX: s.stack.apiEnvironment.REDIS_KEY_PREFIX,
      INFERENCE_DEVICE: mode === 'cpu' ? 'cpu' : 'auto',
      STREAM_PORT: '8080',
      STREAM_MAX_SESSIONS: '200',
      STREAM_DRAIN_SECONDS: '20',
    });
    for (const absent of ['JWT_SECRET', 'DATABASE_URL', 'IDEMPOTENCY_TABLE'])
      expect(env).not.toHaveProperty(absent);
    // What functions/shared/secrets.ts resolves at start-up stands in for the ARNs; tokens become plausible values.
    const plain = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'placeholder']),
    );
    const config = loadConfig(STREAM_SECTIONS, {
      ...plain,
      UPLOAD_BUCKET: 'realtone-uploads',
      JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
      NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/notifications',
      REDIS_URL: 'rediss://:token@cache.internal:6379',
      DATABASE_URL: 'postgres://realtone:pw@proxy.internal:5432/realtone',
      JWT_SECRET: 'x'.repeat(64),
    });
    expect(config).toMatchObject({ STREAM_PORT: 8080, STREAM_MAX_SESSIONS: 200, CACHE_DRIVER: 'redis' });
    // Finished streams are announced on the notifications queue (stream.completed webhooks, events sockets).
    expect(env.NOTIFICATIONS_QUEUE_URL).toEqual({ Ref: logicalId(s, s.stack.notifications.queue) });
  });

  it('lets only the load balancer reach the task port', () => {
    const s = modes[mode];
    const streamSg = Match.stringLikeRegexp('^StreamSg');
    const ingress = Object.values(
      s.template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [streamSg, 'GroupId'] } },
      }),
    ).map((r) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [ids(s).albSg, 'GroupId'] },
      }),
    ]);
    const groups = s.template.findResources('AWS::EC2::SecurityGroup');
    const [sgId] = Object.keys(groups).filter((id) => id.startsWith('StreamSg'));
    expect(groups[sgId!]!.Properties.SecurityGroupIngress ?? []).toEqual([]);
    const open = Object.entries(groups).flatMap(([id, g]) =>
      ((g.Properties.SecurityGroupIngress ?? []) as { CidrIp?: string; FromPort: number }[])
        .filter((r) => r.CidrIp === '0.0.0.0/0')
        .map((r) => `${id}:${r.FromPort}`),
    );
    // The public listener is the only thing open to the internet.
    expect(open).toEqual([`${ids(s).albSg}:443`]);
    // The tasks reach Postgres (through the proxy) and Valkey like the other clients.
    for (const port of [5432, 6379])
      s.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        FromPort: port,
        SourceSecurityGroupId: { 'Fn::GetAtt': [streamSg, 'GroupId'] },
      });
  });

  it('lets the task read its three secrets and nothing else; the execution role pulls the image and logs', () => {
    const s = modes[mode];
    const stream = s.stack.stream!;
    // Besides sending to the notifications queue (test/infra/notifications.test.ts).
    const notifications = { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.queue), 'Arn'] };
    const task = statementsOfRole(s.template, logicalId(s, stream.taskRole)).filter(
      (st) => JSON.stringify(st.Resource) !== JSON.stringify(notifications),
    );
    expect(task.flatMap(actionsOf).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(task.flatMap(resourcesOf)).toEqual(
      expect.arrayContaining([
        { Ref: logicalId(s, s.stack.jwtSecret) },
        { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
      ]),
    );
    expect(task.flatMap(resourcesOf)).toHaveLength(3);
    const execution = statementsOfRole(s.template, logicalId(s, stream.executionRole));
    const actions = execution.flatMap(actionsOf);
    expect(
      actions.every((a) => /^(ecr|logs):/.test(a)),
      actions.join(),
    ).toBe(true);
    const logWrites = execution.find((st) => actionsOf(st).includes('logs:PutLogEvents'))!;
    expect(logWrites.Resource).toEqual({ 'Fn::GetAtt': [logicalId(s, stream.logGroup), 'Arn'] });
  });

  it('scales between min and max on CPU and on active connections per running task', () => {
    const s = modes[mode];
    const stream = s.stack.stream!;
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [ids(s).service, 'Name'] }])],
      }),
    });
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    s.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 50,
        CustomizedMetricSpecification: {
          Metrics: [
            Match.objectLike({
              Id: 'connections',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/ApplicationELB',
                  MetricName: 'ActiveConnectionCount',
                  Dimensions: [
                    { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [ids(s).alb, 'LoadBalancerFullName'] } },
                  ],
                },
                Stat: 'Sum',
              },
              ReturnData: false,
            }),
            Match.objectLike({
              Id: 'tasks',
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({
                  Namespace: 'ECS/ContainerInsights',
                  MetricName: 'RunningTaskCount',
                }),
              }),
            }),
            Match.objectLike({ Expression: 'FILL(connections, 0) / tasks', ReturnData: true }),
          ],
        },
      }),
    });
    // Container Insights publishes RunningTaskCount.
    s.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    expect(stream.cluster).toBeDefined();
  });

  it('hands the socket’s public URL to the API, which deploys the ticket route', () => {
    const s = modes[mode];
    const fns = s.template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^RealTone API ') },
    });
    for (const fn of Object.values(fns))
      expect(fn.Properties.Environment.Variables.STREAM_PUBLIC_URL).toBe(
        'wss://stream.example.com/v1/stream',
      );
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/stream/tickets' });
    s.template.hasOutput('StreamUrl', { Value: 'wss://stream.example.com/v1/stream' });
    // The web app's page may open that socket (CSP connect-src), and besides its own origin and S3 only the events
    // socket (docs/webhooks.md).
    const [headers] = Object.values(s.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const csp = JSON.stringify(
      headers!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toMatch(/connect-src 'self' [^;]*wss:\/\/stream\.example\.com[ ;"]/);
    expect(csp).toContain(
      ` wss://",{"Ref":"${logicalId(s, s.stack.notifications.socketApi)}"},".execute-api."`,
    );
    s.template.hasOutput('StreamLoadBalancerDns', {
      Value: { 'Fn::GetAtt': [ids(s).alb, 'DNSName'] },
    });
  });

  it('starts after the schema migration, and alarms when no task is healthy or the service logs errors', () => {
    const s = modes[mode];
    const [triggerId] = Object.keys(s.template.findResources('Custom::Trigger'));
    expect((s.template.toJSON().Resources[ids(s).service] as { DependsOn: string[] }).DependsOn).toContain(
      triggerId,
    );
    const topic = { Ref: logicalId(s, s.stack.node.findChild('Alarms').node.findChild('Topic')) };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HealthyHostCount',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      AlarmActions: [topic],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: STREAM_ERRORS_METRIC,
      AlarmActions: [topic],
    });
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(s, s.stack.stream!.logGroup) },
      FilterPattern: '{ $.level = "ERROR" }',
    });
  });

  it('has no unacknowledged cdk-nag finding, and a reason for each acknowledgement of its own', () => {
    const s = modes[mode];
    expect(unacknowledgedFindings(s.app)).toEqual([]);
    const own = acknowledgements(s.stack.stream!).filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(own.map((a) => a.id)).toEqual(expect.arrayContaining(['AwsSolutions-EC23', 'AwsSolutions-ECS2']));
    for (const ack of own) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
  });
});

describe('GPU mode', () => {
  it('gives each stream task a GPU on its own GPU capacity provider, from the worker’s very image', () => {
    const s = modes.gpu;
    const td = propertiesOf(s, ids(s).task) as {
      RequiresCompatibilities: string[];
      ContainerDefinitions: { ResourceRequirements: unknown; MemoryReservation: number; Image: unknown }[];
    };
    expect(td.RequiresCompatibilities).toEqual(['EC2']);
    expect(td.ContainerDefinitions[0]).toMatchObject({
      ResourceRequirements: [{ Type: 'GPU', Value: '1' }],
      MemoryReservation: 12288,
    });
    const worker = propertiesOf(s, logicalId(s, s.stack.gpu!.service.taskDefinition)) as typeof td;
    expect(td.ContainerDefinitions[0]!.Image).toEqual(worker.ContainerDefinitions[0]!.Image);
    const service = propertiesOf(s, ids(s).service) as {
      CapacityProviderStrategy: { CapacityProvider: unknown }[];
    };
    const provider = (service.CapacityProviderStrategy[0]!.CapacityProvider as { Ref: string }).Ref;
    expect(provider).toMatch(/^StreamGpuCapacity/);
    // streamMaxTasks (4) plus one instance for the new task of a rolling deployment.
    s.template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '0', MaxSize: '5' });
  });
});

describe('CPU mode', () => {
  it('runs the cpu target of the detector Dockerfile on Fargate at the configured size', () => {
    const s = modes.cpu;
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    s.template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
    const assets = JSON.parse(readFileSync(`${s.outdir}/${s.stack.artifactId}.assets.json`, 'utf8')) as {
      dockerImages: Record<string, { source: { dockerFile: string; dockerBuildTarget: string } }>;
    };
    expect(
      Object.values(assets.dockerImages)
        .map((i) => i.source.dockerBuildTarget)
        .sort(),
    ).toEqual(['cpu', 'lambda']);
  });
});
