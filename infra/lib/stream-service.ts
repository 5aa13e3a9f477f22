import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  REPO_ROOT,
  STREAM_STOP_MARGIN_SECONDS,
  type RealToneConfig,
  type StreamDeployConfig,
} from './config.ts';
import { CONTAINER_COMMANDS, detectorImageProps } from './detector-image.ts';
import { STREAM_PORT } from './environment.ts';
import { addGpuCapacity, serviceTaskCount } from './gpu-capacity.ts';
import { StreamLoadBalancer } from './stream-load-balancer.ts';

export interface StreamServiceProps {
  /** detectorMode, the GPU instance type and task memory, and the model the image bakes in. */
  config: Pick<RealToneConfig, 'detectorMode' | 'gpuInstanceType' | 'gpuTaskMemoryMiB' | 'modelManifest'>;
  stream: StreamDeployConfig;
  vpc: ec2.IVpc;
  /** Private subnets of the tasks (and GPU instances). */
  subnets: ec2.SubnetSelection;
  publicSubnets: ec2.SubnetSelection;
  /** The tasks' security group: the load balancer's ingress is added to it here. */
  securityGroup: ec2.ISecurityGroup;
  accessLogBucket: s3.IBucket;
  environment: Record<string, string>;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

/** CPU utilisation the CPU policy keeps the tasks at (decode, resample and, in CPU mode, inference). */
export const STREAM_CPU_TARGET_PERCENT = 60;

/**
 * The WebSocket streaming service (functions/stream/main.ts) as an ECS service of the detector image behind its
 * load balancer. GPU mode: the `gpu` image, one GPU per task, on its own GPU capacity provider like the file worker.
 * CPU mode: the `cpu` image on Fargate. Between streamMinTasks and streamMaxTasks, scaled by two target tracking
 * policies (Application Auto Scaling scales out when either asks and in only when both agree): CPU utilisation,
 * and the load balancer's active connections per running task. SIGTERM drains within the stop timeout.
 */
export class StreamService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.BaseService;
  readonly taskRole: iam.Role;
  readonly executionRole: iam.IRole;
  readonly logGroup: logs.LogGroup;
  readonly front: StreamLoadBalancer;

  constructor(scope: Construct, id: string, props: StreamServiceProps) {
    super(scope, id);
    const { config, stream, vpc } = props;
    const gpu = config.detectorMode === 'gpu';

    this.front = new StreamLoadBalancer(this, 'LoadBalancer', {
      vpc,
      subnets: props.publicSubnets,
      certificateArn: stream.certificateArn,
      targetPort: STREAM_PORT,
      deregistrationDelaySeconds: stream.deregistrationDelaySeconds,
      accessLogBucket: props.accessLogBucket,
    });
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
      description: 'RealTone streaming service tasks',
    });

    const taskDefinition = gpu
      ? new ecs.Ec2TaskDefinition(this, 'Task', {
          networkMode: ecs.NetworkMode.AWS_VPC,
          taskRole: this.taskRole,
        })
      : new ecs.FargateTaskDefinition(this, 'Task', {
          cpu: stream.taskCpu,
          memoryLimitMiB: stream.taskMemoryMiB,
          taskRole: this.taskRole,
          runtimePlatform: {
            cpuArchitecture: ecs.CpuArchitecture.X86_64,
            operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
          },
        });
    taskDefinition.addContainer('stream', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, detectorImageProps(config, gpu ? 'gpu' : 'cpu')),
      command: [...CONTAINER_COMMANDS.stream],
      essential: true,
      environment: props.environment,
      portMappings: [{ containerPort: STREAM_PORT, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'stream', logGroup: this.logGroup }),
      stopTimeout: Duration.seconds(stream.drainSeconds + STREAM_STOP_MARGIN_SECONDS),
      ...(gpu ? { gpuCount: 1, memoryReservationMiB: config.gpuTaskMemoryMiB } : {}),
    });
    this.executionRole = taskDefinition.obtainExecutionRole();

    const common = {
      cluster: this.cluster,
      desiredCount: stream.minTasks,
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
    if (taskDefinition instanceof ecs.Ec2TaskDefinition) {
      const { capacityProvider } = addGpuCapacity(this, {
        vpc,
        subnets: props.subnets,
        cluster: this.cluster,
        instanceType: config.gpuInstanceType,
        // One spare: a rolling deployment starts each new task (one GPU) before the old one leaves.
        maxInstances: stream.maxTasks + 1,
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
    this.service.attachToApplicationTargetGroup(this.front.targetGroup);

    this.addScaling(stream);

    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds configuration only (names, URLs, limits, secret ARNs); secret values are ' +
        'resolved from Secrets Manager at start-up by functions/shared/secrets.ts.',
    });
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken does not support resource-level permissions (AWS requires *).',
    });
  }

  /** CPU target tracking, and active connections per running task (metric math, so an L1 policy). */
  private addScaling(stream: StreamDeployConfig): void {
    const target = serviceTaskCount(this, {
      cluster: this.cluster,
      service: this.service,
      minCapacity: stream.minTasks,
      maxCapacity: stream.maxTasks,
    });
    const cooldowns = { scaleOutCooldown: Duration.seconds(60), scaleInCooldown: Duration.seconds(300) };
    target.scaleToTrackMetric('Cpu', {
      predefinedMetric: appscaling.PredefinedMetric.ECS_SERVICE_AVERAGE_CPU_UTILIZATION,
      targetValue: STREAM_CPU_TARGET_PERCENT,
      ...cooldowns,
    });
    const metric = (
      namespace: string,
      metricName: string,
      dimensions: Record<string, string>,
      stat: string,
    ) => ({
      metric: {
        namespace,
        metricName,
        dimensions: Object.entries(dimensions).map(([name, value]) => ({ name, value })),
      },
      stat,
    });
    new appscaling.CfnScalingPolicy(this, 'SessionsPerTask', {
      policyName: `${Names.uniqueId(this)}SessionsPerTask`,
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: stream.sessionsPerTask,
        scaleOutCooldown: cooldowns.scaleOutCooldown.toSeconds(),
        scaleInCooldown: cooldowns.scaleInCooldown.toSeconds(),
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'connections',
              // ELB publishes it only while non-zero; an idle load balancer means zero streams.
              metricStat: metric(
                'AWS/ApplicationELB',
                'ActiveConnectionCount',
                { LoadBalancer: this.front.loadBalancer.loadBalancerFullName },
                'Sum',
              ),
              returnData: false,
            },
            {
              id: 'tasks',
              metricStat: metric(
                'ECS/ContainerInsights',
                'RunningTaskCount',
                { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
                'Average',
              ),
              returnData: false,
            },
            {
              id: 'perTask',
              expression: 'FILL(connections, 0) / tasks',
              label: 'Active load balancer connections per running stream task',
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
