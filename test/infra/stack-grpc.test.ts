/**
 * The gRPC service (issue 27): with -c grpc=true the stack runs functions/grpc/main.ts as an ECS service of the
 * detector image behind an internal Network Load Balancer. Checked in both detector modes, by behaviour: nothing
 * outside the VPC can reach it, only the load balancer reaches the tasks, a token is always required, and the tasks
 * may read uploads and nothing more of the bucket.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRPC_SECTIONS, loadConfig } from '../../functions/shared/config.ts';
import {
  acknowledgements,
  actionsOf,
  BASE_CONTEXT,
  ecsEnvironment,
  logicalId,
  removeSynthOutputs,
  resourcesOf,
  statementsOfRole,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

afterAll(removeSynthOutputs);

const modes: Record<'cpu' | 'gpu', Synthesized> = {} as never;
let without: Synthesized;

beforeAll(() => {
  for (const mode of ['cpu', 'gpu'] as const)
    modes[mode] = synth(
      { ...BASE_CONTEXT, grpc: 'true', detectorMode: mode },
      { cloudFormationValidation: true },
    );
  without = synth({ ...BASE_CONTEXT, detectorMode: 'cpu' });
}, 240_000);

const resources = (s: Synthesized, type: string) =>
  Object.entries(s.template.findResources(type)).map(([id, r]) => ({ id, ...(r as { Properties: any }) }));

describe.each(['cpu', 'gpu'] as const)('gRPC service, %s mode', (mode) => {
  it('is behind an internal NLB in the private subnets with one TCP listener on 50052', () => {
    const s = modes[mode];
    const nlbs = resources(s, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
      (r) => r.Properties.Type === 'network',
    );
    expect(nlbs).toHaveLength(1);
    expect(nlbs[0]!.Properties.Scheme).toBe('internal');
    expect(nlbs[0]!.Properties.SecurityGroups).toHaveLength(1);
    const subnets = JSON.stringify(nlbs[0]!.Properties.Subnets);
    expect(subnets).not.toMatch(/public/i);
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: nlbs[0]!.id },
      Port: 50052,
      Protocol: 'TCP',
    });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 50052,
      Protocol: 'TCP',
      TargetType: 'ip',
      HealthCheckProtocol: 'TCP',
    });
  });

  it('admits the VPC range only at the load balancer, and only the load balancer at the tasks', () => {
    const s = modes[mode];
    const grpc = s.stack.grpc!;
    const nlbSg = logicalId(s, grpc.loadBalancerSecurityGroup);
    const lbSg = resources(s, 'AWS::EC2::SecurityGroup').find((r) => r.id === nlbSg)!;
    expect(lbSg.Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({
        CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/Vpc/), 'CidrBlock'] },
        FromPort: 50052,
        ToPort: 50052,
        IpProtocol: 'tcp',
      }),
    ]);
    // Nothing anywhere opens 50052 to the internet.
    const all = JSON.stringify(s.template.toJSON());
    expect(all).not.toMatch(/"CidrIp":"0\.0\.0\.0\/0","Description":"[^"]*","FromPort":50052/);
    const taskIngress = resources(s, 'AWS::EC2::SecurityGroupIngress')
      .map((r) => r.Properties)
      .filter((p) => JSON.stringify(p.GroupId).includes('GrpcSg'));
    expect(taskIngress).toEqual([
      expect.objectContaining({
        FromPort: 50052,
        ToPort: 50052,
        SourceSecurityGroupId: { 'Fn::GetAtt': [nlbSg, 'GroupId'] },
      }),
    ]);
  });

  it('runs functions/grpc/main.ts on every interface, with a token always required', () => {
    const s = modes[mode];
    const task = logicalId(s, s.stack.grpc!.service.taskDefinition);
    const env = ecsEnvironment(s.template, task);
    expect(env).toMatchObject({ GRPC_PORT: '50052', GRPC_HOST: '0.0.0.0' });
    expect(env.GRPC_AUTH_TOKEN_ARN).toEqual({ Ref: expect.stringMatching(/^GrpcAuthToken/) });
    expect(env.GRPC_AUTH_TOKEN).toBeUndefined();
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Command: ['node', '.local/bundles/current/grpc.mjs'],
          PortMappings: [Match.objectLike({ ContainerPort: 50052 })],
        }),
      ],
    });
    const plain = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'placeholder']),
    );
    const resolved = {
      ...plain,
      UPLOAD_BUCKET: 'realtone-uploads',
      JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
      REDIS_URL: 'rediss://:token@cache.internal:6379',
      DATABASE_URL: 'postgres://realtone:pw@proxy.internal:5432/realtone',
      JWT_SECRET: 'x'.repeat(64),
    };
    // Once secrets.ts has resolved the token the configuration parses; without it the process refuses to start.
    expect(loadConfig(GRPC_SECTIONS, { ...resolved, GRPC_AUTH_TOKEN: 't'.repeat(48) })).toMatchObject({
      GRPC_PORT: 50052,
      GRPC_HOST: '0.0.0.0',
    });
    expect(() => loadConfig(GRPC_SECTIONS, resolved)).toThrow(/GRPC_AUTH_TOKEN is required/);
  });

  it('lets the tasks read uploads and the token, and write nothing to the bucket', () => {
    const s = modes[mode];
    const grpc = s.stack.grpc!;
    const statements = statementsOfRole(s.template, logicalId(s, grpc.taskRole));
    const actions = statements.flatMap(actionsOf);
    expect(actions).toContain('s3:GetObject');
    expect(actions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
    expect(actions.filter((a) => /^sqs:/.test(a))).toEqual([]);
    const read = statements.find((st) => st.Sid === 'ReadUploads')!;
    expect(JSON.stringify(resourcesOf(read))).toContain('/uploads/*');
    const secrets = statements
      .filter((st) => actionsOf(st).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf);
    expect(JSON.stringify(secrets)).toMatch(/GrpcAuthToken/);
  });

  it('passes cdk-nag with reasons for what it acknowledges', () => {
    const s = modes[mode];
    expect(unacknowledgedFindings(s.app)).toEqual([]);
    const own = acknowledgements(s.stack.grpc!).filter((a) => a.id.startsWith('AwsSolutions-'));
    for (const ack of own) expect(ack.reason.length, ack.id).toBeGreaterThan(40);
  });
});

it('is not deployed without -c grpc=true', () => {
  expect(without.stack.grpc).toBeUndefined();
  expect(
    resources(without, 'AWS::ElasticLoadBalancingV2::LoadBalancer').filter(
      (r) => r.Properties.Type === 'network',
    ),
  ).toEqual([]);
  expect(JSON.stringify(without.template.toJSON())).not.toContain('functions/grpc/main.ts');
});
