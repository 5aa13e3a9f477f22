import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  REPO_ROOT,
  STREAM_STOP_MARGIN_SECONDS,
  type GrpcDeployConfig,
  type RealToneConfig,
} from './config.ts';
import { CONTAINER_COMMANDS, detectorImageProps } from './detector-image.ts';
import { addGpuCapacity, serviceTaskCount } from './gpu-capacity.ts';

/** Cooldowns of the detector services' target tracking: out fast, in slowly (a task holds streams). */
export const DETECTOR_SCALE_OUT_COOLDOWN_SECONDS = 60;
export const DETECTOR_SCALE_IN_COOLDOWN_SECONDS = 300;

/** What the streaming and gRPC services take from the stack and pass to addDetectorService unchanged. */
export interface DetectorServiceSite {
  /** detectorMode, the GPU instance type and task memory, and the model the image bakes in. */
  config: Pick<RealToneConfig, 'detectorMode' | 'gpuInstanceType' | 'gpuTaskMemoryMiB' | 'modelManifest'>;
  vpc: ec2.IVpc;
  /** Private subnets of the tasks (and GPU instances). */
  subnets: ec2.SubnetSelection;
  environment: Record<string, string>;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

export interface DetectorServiceProps extends DetectorServiceSite {
  /** The entry point (CONTAINER_COMMANDS), also the container's name and its log stream prefix. */
  entry: 'stream' | 'grpc';
  /** The task role's description. */
  description: string;
  /** The port the container listens on once the model is loaded. */
  port: number;
  /** Task count range, Fargate task size (CPU mode) and the SIGTERM drain (the stop timeout adds a margin). */
  deploy: Pick<GrpcDeployConfig, 'minTasks' | 'maxTasks' | 'taskCpu' | 'taskMemoryMiB' | 'drainSeconds'>;
  /** CPU utilisation the target tracking policy keeps the tasks at. */
  cpuTargetPercent: number;
  securityGroup: ec2.ISecurityGroup;
}

export interface DetectorServiceParts {
  cluster: ecs.Cluster;
  service: ecs.BaseService;
  taskRole: iam.Role;
  executionRole: iam.IRole;
  logGroup: logs.LogGroup;
  /** The service's task count, CPU target tracking already added (a caller may add policies of its own). */
  taskCount: appscaling.ScalableTarget;
}

/**
 * A long-running ECS service of the detector image (the streaming and gRPC services): GPU mode runs the `gpu` image,
 * one GPU per task, on a GPU capacity provider of its own like the file worker; CPU mode the `cpu` image on Fargate.
 * Rolling deployments with rollback, a grace period for the model load, CPU target tracking between minTasks and
 * maxTasks. The caller puts it behind its load balancer.
 *
 * Built directly in the caller's scope (not a construct of its own), so the resources keep the logical IDs they
 * had when each service built them itself.
 */
export function addDetectorService(scope: Construct, props: DetectorServiceProps): DetectorServiceParts {
  const { config, deploy, vpc } = props;
  const gpu = config.detectorMode === 'gpu';
  const cluster = new ecs.Cluster(scope, 'Cluster', {
    vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
  });
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const taskRole = new iam.Role(scope, 'TaskRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: props.description,
  });
  const taskDefinition = gpu
    ? new ecs.Ec2TaskDefinition(scope, 'Task', { networkMode: ecs.NetworkMode.AWS_VPC, taskRole })
    : new ecs.FargateTaskDefinition(scope, 'Task', {
        cpu: deploy.taskCpu,
        memoryLimitMiB: deploy.taskMemoryMiB,
        taskRole,
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
  taskDefinition.addContainer(props.entry, {
    image: ecs.ContainerImage.fromAsset(REPO_ROOT, detectorImageProps(config, gpu ? 'gpu' : 'cpu')),
    command: [...CONTAINER_COMMANDS[props.entry]],
    essential: true,
    environment: props.environment,
    portMappings: [{ containerPort: props.port, protocol: ecs.Protocol.TCP }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: props.entry, logGroup }),
    stopTimeout: Duration.seconds(deploy.drainSeconds + STREAM_STOP_MARGIN_SECONDS),
    ...(gpu ? { gpuCount: 1, memoryReservationMiB: config.gpuTaskMemoryMiB } : {}),
  });
  const executionRole = taskDefinition.obtainExecutionRole();

  const common = {
    cluster,
    desiredCount: deploy.minTasks,
    // Rolling deployments: new tasks pass the health check before old ones leave the target group.
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    securityGroups: [props.securityGroup],
    vpcSubnets: props.subnets,
    circuitBreaker: { rollback: true },
    // Model load (and a first download from S3) happens before the server listens.
    healthCheckGracePeriod: Duration.seconds(300),
    enableECSManagedTags: true,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
  };
  let service: ecs.BaseService;
  if (taskDefinition instanceof ecs.Ec2TaskDefinition) {
    const { capacityProvider } = addGpuCapacity(scope, {
      vpc,
      subnets: props.subnets,
      cluster,
      instanceType: config.gpuInstanceType,
      // One spare: a rolling deployment starts each new task (one GPU) before the old one leaves.
      maxInstances: deploy.maxTasks + 1,
      alarmTopic: props.alarmTopic,
    });
    service = new ecs.Ec2Service(scope, 'Service', {
      ...common,
      taskDefinition,
      capacityProviderStrategies: [{ capacityProvider: capacityProvider.capacityProviderName, weight: 1 }],
    });
  } else {
    service = new ecs.FargateService(scope, 'Service', {
      ...common,
      taskDefinition,
      assignPublicIp: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
    });
  }

  const taskCount = serviceTaskCount(scope, {
    cluster,
    service,
    minCapacity: deploy.minTasks,
    maxCapacity: deploy.maxTasks,
  });
  taskCount.scaleToTrackMetric('Cpu', {
    predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
    targetValue: props.cpuTargetPercent,
    scaleOutCooldown: Duration.seconds(DETECTOR_SCALE_OUT_COOLDOWN_SECONDS),
    scaleInCooldown: Duration.seconds(DETECTOR_SCALE_IN_COOLDOWN_SECONDS),
  });

  Validations.of(taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason:
      'The environment holds configuration only (names, URLs, limits, secret ARNs); secret values (the gRPC ' +
      'token among them) are resolved from Secrets Manager at start-up by functions/shared/secrets.ts.',
  });
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken does not support resource-level permissions (AWS requires *).',
  });
  return { cluster, service, taskRole, executionRole, logGroup, taskCount };
}
