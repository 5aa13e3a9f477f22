import { Annotations, Aws, CfnOutput, type Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { streamPublicUrl, type RealToneConfig, type StreamDeployConfig } from './config.ts';
import { streamEnvironment, type EnvironmentRefs } from './environment.ts';
import { grantStream } from './grants.ts';
import type { Network } from './network.ts';
import type { StorageAndQueue } from './storage.ts';
import { StreamMonitoring } from './stream-monitoring.ts';
import { StreamService } from './stream-service.ts';

export interface StreamingProps {
  config: RealToneConfig;
  stream: StreamDeployConfig;
  network: Pick<Network, 'vpc' | 'appSubnets' | 'publicSubnets'>;
  securityGroup: ec2.ISecurityGroup;
  refs: EnvironmentRefs & { storage: Pick<StorageAndQueue, 'accessLogBucket'> };
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

/**
 * The streaming service in the stack's scope (so its logical ids stay put): the service and its load balancer, the
 * task role's grants, its alarms, and the outputs an operator needs to point the stream domain at it. Returns the
 * service and the dashboard row the stack adds once its dashboard exists.
 */
export function addStreaming(
  stack: Stack,
  props: StreamingProps,
): { service: StreamService; widgets: cloudwatch.IWidget[] } {
  const { config, stream, network, refs } = props;
  const service = new StreamService(stack, 'Stream', {
    config,
    stream,
    vpc: network.vpc,
    subnets: network.appSubnets,
    publicSubnets: network.publicSubnets,
    securityGroup: props.securityGroup,
    accessLogBucket: refs.storage.accessLogBucket,
    environment: { AWS_REGION: Aws.REGION, ...streamEnvironment(config, stream, refs) },
    alarmTopic: props.alarmTopic,
    logRetention: props.logRetention,
  });
  grantStream(service.taskRole, refs.data, refs.jwtSecret, config.modelS3Uri);
  const monitoring = new StreamMonitoring(stack, 'StreamMonitoring', {
    stream: service,
    topic: props.alarmTopic,
  });
  new CfnOutput(stack, 'StreamUrl', {
    value: streamPublicUrl(stream),
    description: 'Streaming socket (point the domain at StreamLoadBalancerDns)',
  });
  new CfnOutput(stack, 'StreamLoadBalancerDns', {
    value: service.front.loadBalancer.loadBalancerDnsName,
    description: `CNAME or alias target for ${stream.domain}`,
  });
  return { service, widgets: monitoring.widgets };
}

/** Without a stream domain and certificate nothing of the streaming service is deployed; synthesis says so. */
export function warnNoStreaming(stack: Stack): undefined {
  Annotations.of(stack).addWarningV2(
    'realtone:no-stream',
    'No -c streamDomain/-c streamCertificateArn: the streaming service, its load balancer and ' +
      'POST /v1/stream/tickets are not deployed (docs/deploy.md, "Streaming").',
  );
  return undefined;
}
