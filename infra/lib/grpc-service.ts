import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  REPO_ROOT,
  STREAM_STOP_MARGIN_SECONDS,
  type GrpcDeployConfig,
  type RealToneConfig,
} from './config.ts';
import { CONTAINER_COMMANDS, detectorImageProps } from './detector-image.ts';
import { GRPC_PORT } from './environment.ts';
import { addGpuCapacity, serviceTaskCount } from './gpu-capacity.ts';

export interface GrpcServiceProps {
  config: Pick<RealToneConfig, 'detectorMode' | 'gpuInstanceType' | 'gpuTaskMemoryMiB' | 'modelManifest'>;
  grpc: GrpcDeployConfig;
  vpc: ec2.IVpc;
  /** Private subnets of the load balancer, the tasks and the GPU instances. */
  subnets: ec2.SubnetSelection;
  /** The tasks' security group: ingress from the load balancer is added here. */
  securityGroup: ec2.SecurityGroup;
  environment: Record<string, string>;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
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
    const gpu = config.detectorMode === 'gpu';

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

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'RealTone gRPC service tasks',
    });
    const taskDefinition = gpu
      ? new ecs.Ec2TaskDefinition(this, 'Task', {
          networkMode: ecs.NetworkMode.AWS_VPC,
          taskRole: this.taskRole,
        })
      : new ecs.FargateTaskDefinition(this, 'Task', {
          cpu: grpc.taskCpu,
          memoryLimitMiB: grpc.taskMemoryMiB,
          taskRole: this.taskRole,
          runtimePlatform: {
            cpuArchitecture: ecs.CpuArchitecture.X86_64,
            operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          },
        });
    taskDefinition.addContainer('grpc', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, detectorImageProps(config, gpu ? 'gpu' : 'cpu')),
      command: [...CONTAINER_COMMANDS.grpc],
      essential: true,
      environment: props.environment,
      portMappings: [{ containerPort: GRPC_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'grpc', logGroup: this.logGroup }),
      stopTimeout: Duration.seconds(grpc.drainSeconds + STREAM_STOP_MARGIN_SECONDS),
      ...(gpu ? { gpuCount: 1, memoryReservationMiB: config.gpuTaskMemoryMiB } : {}),
    });
    const executionRole = taskDefinition.obtainExecutionRole();

    const common = {
      cluster: this.cluster,
      desiredCount: grpc.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      securityGroups: [props.securityGroup],
      vpcSubnets: props.subnets,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(300),
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    };
    if (taskDefinition instanceof ecs.Ec2TaskDefinition) {
      const { capacityProvider } = addGpuCapacity(this, {
        vpc,
        subnets: props.subnets,
        cluster: this.cluster,
        instanceType: config.gpuInstanceType,
        maxInstances: grpc.maxTasks + 1,
        alarmTopic: props.alarmTopic,
      });
      this.service = new ecs.Ec2Service(this, 'Service', {
        ...common,
        taskDefinition,
        capacityProviderStrategies: [{ capacityProvider: capacityProvider.capacityProviderName, weight: 1 }],
      });
    } else {
      this.service = new ecs.FargateService(this, 'Service', {
        ...common,
        taskDefinition,
        assignPublicIp: false,
        platformVersion: ecs.FargatePlatformVersion.LATEST,
      });
    }

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

    const target = serviceTaskCount(this, {
      cluster: this.cluster,
      service: this.service,
      minCapacity: grpc.minTasks,
      maxCapacity: grpc.maxTasks,
    });
    target.scaleToTrackMetric('Cpu', {
      predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
      targetValue: GRPC_CPU_TARGET_PERCENT,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds configuration only (names, URLs, limits, secret ARNs); secret values, the gRPC ' +
        'token among them, are resolved from Secrets Manager at start-up by functions/shared/secrets.ts.',
    });
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken does not support resource-level permissions (AWS requires *).',
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
