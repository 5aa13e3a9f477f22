import { Arn, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECS_MAX_STOP_TIMEOUT_SECONDS, REPO_ROOT, type RealToneConfig } from './config.ts';
import { CONTAINER_COMMANDS, detectorImageProps } from './detector-image.ts';
import { addGpuCapacity, serviceTaskCount } from './gpu-capacity.ts';

export interface GpuDetectorProps {
  config: RealToneConfig;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  queue: sqs.IQueue;
  environment: Record<string, string>;
  alarmTopic: sns.ITopic;
  logRetention: logs.RetentionDays;
}

/**
 * The GPU detector: the worker image on an ECS service whose tasks each hold one GPU, on an Auto Scaling group of
 * GPU instances (ECS GPU-optimised Amazon Linux 2023 AMI) that a capacity provider grows and shrinks with the tasks.
 *
 * Scaling follows the queue backlog (visible + in-flight messages) with two step policies: any backlog sets the
 * task count to ceil(backlog / jobsPerGpuTask) (at most maxGpuTasks) within about a minute; an empty queue for
 * `scaleInMinutes` sets it to zero, and managed scaling then terminates the instances. A task running a job holds
 * ECS task scale-in protection (functions/worker/task-protection.ts), so neither scale-in nor a deployment stops
 * it mid-job; on SIGTERM the worker drains within the container's stop timeout.
 */
export class GpuDetector extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.Ec2Service;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly backlog: cloudwatch.MathExpression;
  /** Tasks running (Container Insights), for the dashboard. */
  readonly runningTasks: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: GpuDetectorProps) {
    super(scope, id);
    const { config, vpc } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const { autoScalingGroup, capacityProvider } = addGpuCapacity(this, {
      vpc,
      subnets: props.subnets,
      cluster: this.cluster,
      instanceType: config.gpuInstanceType,
      maxInstances: config.maxGpuTasks,
      alarmTopic: props.alarmTopic,
    });
    this.autoScalingGroup = autoScalingGroup;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'RealTone GPU detector tasks',
    });
    // Scale-in protection of its own task (the agent endpoint calls UpdateTaskProtection with the task role).
    this.taskRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'],
        resources: [
          Arn.format(
            { service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` },
            Stack.of(this),
          ),
        ],
      }),
    );

    const taskDefinition = new ecs.Ec2TaskDefinition(this, 'Task', {
      networkMode: ecs.NetworkMode.AWS_VPC,
      taskRole: this.taskRole,
    });
    const stopTimeout = Math.min(ECS_MAX_STOP_TIMEOUT_SECONDS, config.workerDrainSeconds + 15);
    taskDefinition.addContainer('detector', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, detectorImageProps(config, 'gpu')),
      gpuCount: 1,
      memoryReservationMiB: config.gpuTaskMemoryMiB,
      essential: true,
      environment: props.environment,
      command: [...CONTAINER_COMMANDS.worker],
      // Prometheus scrapes /metrics here from inside the VPC (nothing opens it to the outside).
      portMappings: props.environment.METRICS_PORT
        ? [{ containerPort: Number(props.environment.METRICS_PORT), name: 'metrics' }]
        : [],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'detector', logGroup: this.logGroup }),
      stopTimeout: Duration.seconds(stopTimeout),
      healthCheck: {
        command: ['CMD', ...CONTAINER_COMMANDS.health],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        retries: 3,
        // Model load (and a first download from S3) happens before the first heartbeat.
        startPeriod: Duration.seconds(300),
      },
    });

    this.service = new ecs.Ec2Service(this, 'Service', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: 0,
      // One GPU per task: a deployment stops a task (after its job, see scale-in protection) before starting
      // the new one instead of paying for a second GPU instance.
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      capacityProviderStrategies: [{ capacityProvider: capacityProvider.capacityProviderName, weight: 1 }],
      securityGroups: [props.securityGroup],
      vpcSubnets: props.subnets,
      circuitBreaker: { rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.runningTasks = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: this.cluster.clusterName, ServiceName: this.service.serviceName },
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });

    // Backlog = messages waiting + messages being processed (or waiting out a retry back-off).
    const period = Duration.minutes(1);
    this.backlog = new cloudwatch.MathExpression({
      expression: 'visible + inflight',
      usingMetrics: {
        visible: props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        inflight: props.queue.metricApproximateNumberOfMessagesNotVisible({ period, statistic: 'Maximum' }),
      },
      period,
      label: 'Jobs backlog (visible + in flight)',
    });
    const target = serviceTaskCount(this, {
      cluster: this.cluster,
      service: this.service,
      minCapacity: 0,
      maxCapacity: config.maxGpuTasks,
    });

    const scaleOut = new appscaling.StepScalingAction(this, 'ScaleOut', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      cooldown: Duration.seconds(60),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    // Alarm threshold 1: bounds are relative to it. Tier k covers backlogs 1 + (k-1)·n … k·n and sets k tasks.
    for (let k = 1; k <= config.maxGpuTasks; k++) {
      scaleOut.addAdjustment({
        adjustment: k,
        lowerBound: (k - 1) * config.jobsPerGpuTask,
        upperBound: k === config.maxGpuTasks ? undefined : k * config.jobsPerGpuTask,
      });
    }
    new cloudwatch.Alarm(this, 'BacklogAlarm', {
      alarmDescription: 'RealTone: jobs are waiting; scale the GPU detector out (from zero)',
      metric: this.backlog,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.ApplicationScalingAction(scaleOut));

    const scaleIn = new appscaling.StepScalingAction(this, 'ScaleToZero', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      cooldown: Duration.seconds(60),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
    scaleIn.addAdjustment({ adjustment: 0, upperBound: 0 });
    new cloudwatch.Alarm(this, 'IdleAlarm', {
      alarmDescription: `RealTone: no jobs for ${config.scaleInMinutes} minutes; scale the GPU detector to zero`,
      metric: this.backlog,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: config.scaleInMinutes,
      datapointsToAlarm: config.scaleInMinutes,
      // An idle queue may stop reporting; no data means nothing to do.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }).addAlarmAction(new cwActions.ApplicationScalingAction(scaleIn));

    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken does not support resource-level permissions (AWS requires *).',
    });
    Validations.of(this.taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${Stack.of(this).getLogicalId(this.cluster.node.defaultChild as ecs.CfnCluster)}>/*]`,
      reason:
        'Task protection is requested for the calling task itself, whose id is not known in advance; the ' +
        'grant is limited to tasks of this cluster.',
    });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds configuration only (names, URLs, limits, secret ARNs); secret values are ' +
        'resolved from Secrets Manager at start-up by functions/shared/secrets.ts.',
    });
  }
}
