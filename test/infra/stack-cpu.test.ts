/**
 * The stack with -c detectorMode=cpu: the detector is the `lambda` target of the same Dockerfile as a container
 * image function behind an SQS event source with partial batch responses; no ECS, no GPU instances.
 */
import { readFileSync } from 'node:fs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  BASE_CONTEXT,
  logicalId,
  statementsOfRole,
  removeSynthOutputs,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

let s: Synthesized;

beforeAll(() => {
  s = synth({ ...BASE_CONTEXT, detectorMode: 'cpu' }, { cloudFormationValidation: true });
}, 180_000);

describe('CPU detector', () => {
  it('is a container-image function built from the lambda target of the worker Dockerfile', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      ImageConfig: { Command: ['lambda.handler'] },
      Architectures: ['x86_64'],
      MemorySize: 4096,
      Timeout: 900,
      TracingConfig: { Mode: 'Active' },
      VpcConfig: Match.objectLike({
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkerSg'), 'GroupId'] }],
      }),
    });
    const assets = JSON.parse(readFileSync(`${s.outdir}/${s.stack.artifactId}.assets.json`, 'utf8')) as {
      dockerImages: Record<
        string,
        {
          source: {
            dockerFile: string;
            dockerBuildTarget: string;
            platform: string;
            dockerBuildArgs: Record<string, string>;
          };
        }
      >;
    };
    const images = Object.values(assets.dockerImages).map((i) => i.source);
    expect(images).toEqual([
      expect.objectContaining({
        dockerFile: 'functions/worker/Dockerfile',
        dockerBuildTarget: 'lambda',
        platform: 'linux/amd64',
        dockerBuildArgs: { MODEL_DIR: 'test/fixtures/models/energy-fixture' },
      }),
    ]);
  });

  it('takes one message per invocation and reports partial batch failures', () => {
    const fnId = logicalId(s, s.stack.cpu!.function);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s, s.stack.storage.queue), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('keeps the queue visibility timeout at least the function timeout, and the worker’s hold short', () => {
    const fn = s.template.toJSON().Resources[logicalId(s, s.stack.cpu!.function)];
    const queue = s.template.toJSON().Resources[logicalId(s, s.stack.storage.queue)];
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(fn.Properties.Timeout);
    // Each message is shortened to 30 s as the function starts on it, and carried by the heartbeat: a crashed
    // invocation's job comes back within 30 s, not the 900 s function timeout.
    expect(fn.Properties.Environment.Variables.WORKER_VISIBILITY_TIMEOUT_SECONDS).toBe('30');
    expect(fn.Properties.Environment.Variables).toMatchObject({
      INFERENCE_DEVICE: 'cpu',
      CACHE_DRIVER: 'redis',
      DATABASE_SSL: 'require',
      MODEL_MANIFEST: 'test/fixtures/models/energy-fixture/model.json',
      REDIS_AUTH_SECRET_ARN: { Ref: logicalId(s, s.stack.data.cacheAuthSecret) },
    });
    expect(fn.Properties.Environment.Variables).not.toHaveProperty('JWT_SECRET_ARN');
    expect(fn.Properties.Environment.Variables).not.toHaveProperty('WEBHOOK_SECRET_KEY_ARN');
  });

  it('lets the function read uploads, write manifests and consume (not send to) the jobs queue', () => {
    const statements = statementsOfRole(s.template, logicalId(s, s.stack.cpu!.role));
    // It sends job events to the notifications queue only (test/infra/notifications.test.ts).
    const notifications = { 'Fn::GetAtt': [logicalId(s, s.stack.notifications.queue), 'Arn'] };
    const actions = statements
      .filter((st) => JSON.stringify(st.Resource) !== JSON.stringify(notifications))
      .flatMap(actionsOf);
    expect(
      statements.filter((st) => actionsOf(st).includes('sqs:SendMessage')).map((st) => st.Resource),
    ).toEqual([notifications]);
    expect(actions).toEqual(
      expect.arrayContaining([
        's3:GetObject',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
      ]),
    );
    expect(actions).not.toContain('sqs:SendMessage');
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    // It never sees a webhook secret, so it may not read the key that seals them.
    expect(JSON.stringify(statements)).not.toContain(logicalId(s, s.stack.webhookSecretKey));
  });

  it('creates no ECS or GPU resources', () => {
    for (const type of [
      'AWS::ECS::Cluster',
      'AWS::ECS::Service',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ApplicationAutoScaling::ScalableTarget',
    ])
      s.template.resourceCountIs(type, 0);
  });

  it('alarms on function errors as well as logged worker errors', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s, s.stack.cpu!.function) } }],
    });
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(s, s.stack.cpu!.logGroup) },
    });
  });

  it('runs the migration trigger before the detector function', () => {
    const [triggerId] = Object.keys(s.template.findResources('Custom::Trigger'));
    const fn = s.template.toJSON().Resources[logicalId(s, s.stack.cpu!.function)];
    expect(fn.DependsOn).toContain(triggerId);
  });

  it('deploys no streaming service, load balancer or ticket route without a stream domain and certificate', () => {
    for (const type of [
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ECS::Service',
      'AWS::ECS::Cluster',
    ])
      s.template.resourceCountIs(type, 0);
    expect(s.stack.stream).toBeUndefined();
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties.RouteKey,
    );
    expect(routes).toContain('POST /v1/uploads');
    expect(routes).not.toContain('POST /v1/stream/tickets');
    for (const fn of Object.values(
      s.template.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^RealTone API ') },
      }),
    ))
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('STREAM_PUBLIC_URL');
    Annotations.fromStack(s.stack).hasWarning('*', Match.stringLikeRegexp('streaming service'));
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  });
});
