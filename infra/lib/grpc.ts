import { Aws, CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { GrpcDeployConfig, RealToneConfig } from './config.ts';
import { GRPC_PORT, grpcEnvironment, type EnvironmentRefs } from './environment.ts';
import { grantGrpc, type GrantTargets } from './grants.ts';
import { GrpcService } from './grpc-service.ts';
import { generatedSecret } from './secrets.ts';
import type { Network } from './network.ts';

export interface GrpcProps {
  config: RealToneConfig;
  grpc: GrpcDeployConfig;
  network: Pick<Network, 'vpc' | 'appSubnets'>;
  securityGroup: ec2.SecurityGroup;
  refs: EnvironmentRefs & GrantTargets;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

/**
 * The gRPC service in the stack's scope: its bearer token (a generated secret; callers read it from Secrets
 * Manager), the service behind its internal load balancer, the task role's grants, and the address callers in the
 * VPC dial.
 */
export function addGrpc(
  stack: Stack,
  props: GrpcProps,
): { service: GrpcService; token: secretsmanager.Secret } {
  const { config, grpc, network, refs } = props;
  const token = generatedSecret(stack, 'GrpcAuthToken', {
    description: 'RealTone gRPC bearer token (authorization: Bearer <token> on every call)',
    length: 48,
    whyNotRotated:
      'Rotating the gRPC token must reach every caller at the same time; it is rotated deliberately by ' +
      'redeploying (docs/grpc.md, "In AWS").',
  });
  const service = new GrpcService(stack, 'Grpc', {
    config,
    grpc,
    vpc: network.vpc,
    subnets: network.appSubnets,
    securityGroup: props.securityGroup,
    environment: { AWS_REGION: Aws.REGION, ...grpcEnvironment(config, grpc, refs, token) },
    alarmTopic: props.alarmTopic,
    logRetention: props.logRetention,
  });
  grantGrpc(service.taskRole, refs, [token, refs.jwtSecret], config.modelS3Uri);
  new CfnOutput(stack, 'GrpcAddress', {
    value: `${service.loadBalancer.loadBalancerDnsName}:${GRPC_PORT}`,
    description: 'gRPC services, reachable from inside the VPC only',
  });
  new CfnOutput(stack, 'GrpcAuthTokenSecretArn', {
    value: token.secretArn,
    description: 'Secret holding the gRPC bearer token',
  });
  return { service, token };
}
