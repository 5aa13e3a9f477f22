import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { GrpcDeployConfig } from './config.ts';
import { addDetectorService, type DetectorServiceSite } from './detector-service.ts';
import { GRPC_PORT } from './environment.ts';

export interface GrpcServiceProps extends DetectorServiceSite {
  grpc: GrpcDeployConfig;
  /** The tasks' security group: ingress from the load balancer is added here. */
  securityGroup: ec2.SecurityGroup;
}

/** CPU utilisation the service's target tracking keeps the tasks at. */
export const GRPC_CPU_TARGET_PERCENT = 60;

/**
 * The gRPC service (functions/grpc/main.ts) for callers inside the VPC: an ECS service of the detector image (the
 * `gpu` image on GPU capacity in GPU mode, the `cpu` image on Fargate in CPU mode) behind an internal Network Load
 * Balancer in the private subnets. Nothing outside the VPC can reach it: the load balancer is internal, its
 * security group admits only the VPC's address range on GRPC_PORT, and the tasks admit only the load balancer.
 * HTTP/2 passes through the TCP listener untouched; callers authenticate with the bearer token.
 */
export class GrpcService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.BaseService;
  readonly taskRole: iam.Role;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GrpcServiceProps) {
    super(scope, id);
    const { config, grpc, vpc } = props;

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSg', {
      vpc,
      description: 'RealTone gRPC internal NLB: GRPC_PORT from inside the VPC only',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(vpc.vpcCidrBlock),
      ec2.Port.tcp(GRPC_PORT),
      'gRPC callers inside the VPC',
    );
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: props.subnets,
      securityGroups: [this.loadBalancerSecurityGroup],
      crossZoneEnabled: true,
    });
    props.securityGroup.addIngressRule(
      this.loadBalancerSecurityGroup,
      ec2.Port.tcp(GRPC_PORT),
      'gRPC from the internal load balancer',
    );
    this.loadBalancerSecurityGroup.addEgressRule(
      props.securityGroup,
      ec2.Port.tcp(GRPC_PORT),
      'to the gRPC tasks',
    );

    ({
      cluster: this.cluster,
      service: this.service,
      taskRole: this.taskRole,
      logGroup: this.logGroup,
    } = addDetectorService(this, {
      config,
      entry: 'grpc',
      description: 'RealTone gRPC service tasks',
      port: GRPC_PORT,
      deploy: grpc,
      cpuTargetPercent: GRPC_CPU_TARGET_PERCENT,
      vpc,
      subnets: props.subnets,
      securityGroup: props.securityGroup,
      environment: props.environment,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
    }));

    // A TCP listener passes HTTP/2 through untouched; the health check opens a TCP connection to the port, which
    // the server only listens on once the model is loaded.
    const listener = this.loadBalancer.addListener('Grpc', { port: GRPC_PORT, protocol: elbv2.Protocol.TCP });
    listener.addTargets('Tasks', {
      port: GRPC_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(grpc.drainSeconds),
      healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10), healthyThresholdCount: 2 },
    });

    Validations.of(this.loadBalancerSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The only inbound rule admits the VPC address range (a token reference cdk-nag cannot evaluate) on ' +
        'GRPC_PORT: callers inside the VPC, never the internet; the load balancer is internal.',
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'An internal TCP load balancer in front of one service: calls are logged by the tasks themselves ' +
        '(structured logs with the method and status); NLB access logs cover TLS listeners only.',
    });
  }
}
