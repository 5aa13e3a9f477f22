/**
 * Deployment parameters that change the shape of the stack, and the validation of parameters themselves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig, REPO_ROOT } from '../../infra/lib/config.ts';
import { retentionFor } from '../../infra/lib/stack.ts';
import {
  BASE_CONTEXT,
  ecsEnvironment,
  logicalId,
  statementsOfRole,
  removeSynthOutputs,
  STREAM_CONTEXT,
  synth,
  unacknowledgedFindings,
} from './synth.ts';

afterAll(removeSynthOutputs);

describe('without NAT gateways', () => {
  it('isolates the private subnets and reaches every AWS API the workloads need through endpoints', () => {
    const s = synth({ ...BASE_CONTEXT, natGateways: '0' });
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const services = Object.values(s.template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName),
    );
    for (const name of [
      'secretsmanager',
      'ecr.api',
      'ecr.dkr',
      'logs',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
      'sqs',
      's3',
      'dynamodb',
    ])
      expect(
        services.some((sv) => sv.includes(`.${name}"`)),
        name,
      ).toBe(true);
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  }, 120_000);
});

describe('streaming without NAT gateways', () => {
  it('adds public subnets for the load balancer alone: the private subnets keep no route out', () => {
    const s = synth({ ...BASE_CONTEXT, ...STREAM_CONTEXT, detectorMode: 'cpu', natGateways: '0' });
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    const routes = Object.values(s.template.findResources('AWS::EC2::Route')).map((r) => r.Properties);
    // Only the public route tables reach the internet gateway; nothing routes through a NAT.
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(JSON.stringify(route.RouteTableId)).toMatch(/publicSubnet/);
      expect(route).not.toHaveProperty('NatGatewayId');
    }
    const alb = s.template.toJSON().Resources[logicalId(s, s.stack.stream!.front.loadBalancer)];
    for (const subnet of alb.Properties.Subnets as { Ref: string }[])
      expect(subnet.Ref).toMatch(/publicSubnet/);
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  }, 120_000);
});

describe('model from S3', () => {
  it('passes MODEL_S3_URI to the worker and grants s3:GetObject under that prefix only', () => {
    const s = synth({ ...BASE_CONTEXT, modelS3Uri: 's3://acme-models/realtone/v2/' });
    expect(ecsEnvironment(s.template).MODEL_S3_URI).toBe('s3://acme-models/realtone/v2/');
    const statement = statementsOfRole(s.template, logicalId(s, s.stack.gpu!.taskRole)).find(
      (st) => st.Sid === 'ReadModel',
    );
    expect(statement).toMatchObject({
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-models/realtone/v2/*']] },
    });
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  }, 120_000);
});

describe('teardown settings', () => {
  it('drops deletion protection when asked, and stays cdk-nag clean with a reason for it', () => {
    const s = synth({ ...BASE_CONTEXT, detectorMode: 'cpu', deletionProtection: 'false', dbMultiAz: 'true' });
    s.template.hasResourceProperties('AWS::RDS::DBInstance', { DeletionProtection: false, MultiAZ: true });
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  }, 120_000);
});

describe('warnings at synthesis', () => {
  it('warns when the model manifest is not in the checkout, and when no web origin is configured', () => {
    const s = synth({ modelManifest: 'models/not-trained-yet/model.json', webApp: 'false' });
    const annotations = Annotations.fromStack(s.stack);
    annotations.hasWarning(
      '*',
      Match.stringLikeRegexp('models/not-trained-yet/model.json is not in this checkout'),
    );
    annotations.hasWarning('*', Match.stringLikeRegexp('No -c webOrigins'));
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: Match.absent(),
      LifecycleConfiguration: Match.anyValue(),
    });
  }, 120_000);
});

describe('context parameters', () => {
  const configOf = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

  it('has defaults that match the runtime contract', () => {
    expect(configOf({})).toMatchObject({
      detectorMode: 'gpu',
      visibilityTimeoutSeconds: 30,
      cpuFunctionTimeoutSeconds: 900,
      maxReceiveCount: 5,
      uploadExpiryDays: 7,
      natGateways: 1,
      deletionProtection: true,
      webOrigins: [],
    });
  });

  it('parses strings from the command line', () => {
    expect(
      configOf({
        detectorMode: 'cpu',
        webOrigins: 'https://a.example, https://b.example',
        maxGpuTasks: '4',
        dbMultiAz: 'true',
      }),
    ).toMatchObject({
      detectorMode: 'cpu',
      webOrigins: ['https://a.example', 'https://b.example'],
      maxGpuTasks: 4,
      dbMultiAz: true,
    });
  });

  it('rejects bad values, naming every one', () => {
    expect(() =>
      configOf({
        detectorMode: 'tpu',
        webOrigins: 'https://ok.example,*',
        visibilityTimeoutSeconds: '10',
        deletionProtection: 'maybe',
      }),
    ).toThrow(/detectorMode=tpu.*webOrigins: \*.*visibilityTimeoutSeconds=10.*deletionProtection=maybe/);
  });

  it('rejects a drain longer than ECS allows a container to stop in GPU mode', () => {
    expect(() => configOf({ workerDrainSeconds: '200' })).toThrow(/workerDrainSeconds/);
    expect(configOf({ detectorMode: 'cpu', workerDrainSeconds: '200' }).workerDrainSeconds).toBe(200);
  });

  it('deploys no stream service unless both its domain and certificate are given', () => {
    expect(configOf({}).stream).toBeUndefined();
    expect(configOf(STREAM_CONTEXT).stream).toEqual({
      domain: 'stream.example.com',
      certificateArn: STREAM_CONTEXT.streamCertificateArn,
      minTasks: 1,
      maxTasks: 4,
      sessionsPerTask: 50,
      maxSessionsPerTask: 200,
      drainSeconds: 20,
      deregistrationDelaySeconds: 300,
      taskCpu: 2048,
      taskMemoryMiB: 4096,
    });
    expect(() => configOf({ streamDomain: 'stream.example.com' })).toThrow(
      /streamDomain and streamCertificateArn go together/,
    );
    expect(() => configOf({ streamCertificateArn: STREAM_CONTEXT.streamCertificateArn })).toThrow(
      /go together/,
    );
  });

  it('rejects bad stream parameters, naming each', () => {
    expect(() =>
      configOf({ streamDomain: 'https://stream.example.com', streamCertificateArn: 'arn:aws:iam::1:cert/x' }),
    ).toThrow(/streamDomain=https:\/\/stream.example.com.*streamCertificateArn=arn:aws:iam/);
    const bad = (extra: Record<string, string>) => () => configOf({ ...STREAM_CONTEXT, ...extra });
    expect(bad({ streamMinTasks: '3', streamMaxTasks: '2' })).toThrow(/streamMaxTasks=2 must be at least/);
    expect(bad({ streamSessionsPerTask: '300' })).toThrow(/streamMaxSessionsPerTask=200 must be at least/);
    // The drain plus the 10 s margin must fit the 120 s ECS allows between SIGTERM and SIGKILL.
    expect(bad({ streamDrainSeconds: '111' })).toThrow(/streamDrainSeconds=111/);
    expect(configOf({ ...STREAM_CONTEXT, streamDrainSeconds: '110' }).stream!.drainSeconds).toBe(110);
    expect(bad({ streamTaskCpu: '3000' })).toThrow(/streamTaskCpu=3000 must be one of/);
    expect(bad({ streamTaskCpu: '1024', streamTaskMemoryMiB: '16384' })).toThrow(
      /streamTaskMemoryMiB=16384 does not fit streamTaskCpu=1024/,
    );
    expect(bad({ streamDeregistrationDelaySeconds: '4000' })).toThrow(
      /streamDeregistrationDelaySeconds=4000/,
    );
  });

  it('turns the gRPC service on with grpc=true and checks its sizes', () => {
    expect(configOf({}).grpc).toBeUndefined();
    expect(configOf({ grpc: 'true' }).grpc).toEqual({
      minTasks: 1,
      maxTasks: 4,
      taskCpu: 2048,
      taskMemoryMiB: 4096,
      drainSeconds: 30,
    });
    expect(() => configOf({ grpc: 'true', grpcMinTasks: '5', grpcMaxTasks: '2' })).toThrow(
      /grpcMaxTasks=2 must be at least grpcMinTasks=5/,
    );
    expect(() => configOf({ grpc: 'true', grpcTaskCpu: '1024', grpcTaskMemoryMiB: '16384' })).toThrow(
      /grpcTaskMemoryMiB=16384 does not fit/,
    );
  });

  it('are all documented in docs/deploy.md', () => {
    const source = readFileSync(path.join(REPO_ROOT, 'infra/lib/config.ts'), 'utf8');
    const keys = [...source.matchAll(/c\.(?:int|string|optional|bool|list)\(\s*'(\w+)'/g)].map((m) => m[1]!);
    expect(keys).toEqual(expect.arrayContaining(['detectorMode', 'streamDomain', 'streamTaskMemoryMiB']));
    const guide = readFileSync(path.join(REPO_ROOT, 'docs/deploy.md'), 'utf8');
    for (const key of keys) expect(guide, key).toContain(`\`${key}\``);
  });

  it('rounds log retention up to a period CloudWatch accepts', () => {
    expect(retentionFor(30)).toBe(30);
    expect(retentionFor(31)).toBe(60);
    expect(retentionFor(10000)).toBe(3653);
  });
});
