import { Names } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StreamDeployConfig } from './config.ts';
import {
  addDetectorService,
  type DetectorServiceSite,
  DETECTOR_SCALE_IN_COOLDOWN_SECONDS,
  DETECTOR_SCALE_OUT_COOLDOWN_SECONDS,
} from './detector-service.ts';
import { STREAM_PORT } from './environment.ts';
import { StreamLoadBalancer } from './stream-load-balancer.ts';

export interface StreamServiceProps extends DetectorServiceSite {
  stream: StreamDeployConfig;
  publicSubnets: ec2.SubnetSelection;
  /** The tasks' security group: the load balancer's ingress is added to it here. */
  securityGroup: ec2.ISecurityGroup;
  accessLogBucket: s3.IBucket;
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

    this.front = new StreamLoadBalancer(this, 'LoadBalancer', {
      vpc,
      subnets: props.publicSubnets,
      certificateArn: stream.certificateArn,
      targetPort: STREAM_PORT,
      deregistrationDelaySeconds: stream.deregistrationDelaySeconds,
      accessLogBucket: props.accessLogBucket,
    });
    const parts = addDetectorService(this, {
      config,
      entry: 'stream',
      description: 'RealTone streaming service tasks',
      port: STREAM_PORT,
      deploy: stream,
      cpuTargetPercent: STREAM_CPU_TARGET_PERCENT,
      vpc,
      subnets: props.subnets,
      securityGroup: props.securityGroup,
      environment: props.environment,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
    });
    ({
      cluster: this.cluster,
      service: this.service,
      taskRole: this.taskRole,
      executionRole: this.executionRole,
      logGroup: this.logGroup,
    } = parts);
    this.service.attachToApplicationTargetGroup(this.front.targetGroup);

    this.addSessionScaling(parts.taskCount, stream);
  }

  /**
   * Active connections per running task, beside the CPU policy addDetectorService adds (metric math, so an L1
   * policy).
   */
  private addSessionScaling(target: appscaling.ScalableTarget, stream: StreamDeployConfig): void {
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
        scaleOutCooldown: DETECTOR_SCALE_OUT_COOLDOWN_SECONDS,
        scaleInCooldown: DETECTOR_SCALE_IN_COOLDOWN_SECONDS,
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
