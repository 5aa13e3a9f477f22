import { Arn, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT, type RealToneConfig } from './config.ts';
import { detectorImageProps } from './detector-image.ts';

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

/** Seconds ECS waits after SIGTERM before SIGKILL; ECS allows at most 120. */
export const MAX_STOP_TIMEOUT_SECONDS = 120;

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

  constructor(scope: Construct, id: string, props: GpuDetectorProps) {
    super(scope, id);
    const { config, vpc } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const instanceSg = new ec2.SecurityGroup(this, 'InstanceSg', {
      vpc,
      description: 'RealTone GPU container instances: no inbound; outbound to AWS APIs and ECR',
      allowAllOutbound: true,
    });
    const instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'RealTone GPU container instances (ECS agent)',
    });
    const userData = ec2.UserData.forLinux();
    // Tasks (awsvpc) must not reach the instance metadata service and borrow the instance role.
    userData.addCommands('echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config');
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
      instanceType: new ec2.InstanceType(config.gpuInstanceType),
      userData,
      role: instanceRole,
      securityGroup: instanceSg,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(80, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'GpuInstances', {
      vpc,
      vpcSubnets: props.subnets,
      launchTemplate,
      minCapacity: 0,
      maxCapacity: config.maxGpuTasks,
      notifications: [{ topic: props.alarmTopic, scalingEvents: autoscaling.ScalingEvents.ERRORS }],
    });
    const capacityProvider = new ecs.AsgCapacityProvider(this, 'GpuCapacity', {
      autoScalingGroup: this.autoScalingGroup,
      enableManagedScaling: true,
      enableManagedTerminationProtection: true,
      enableManagedDraining: true,
      targetCapacityPercent: 100,
      machineImageType: ecs.MachineImageType.AMAZON_LINUX_2,
    });
    this.cluster.addAsgCapacityProvider(capacityProvider);

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
    const stopTimeout = Math.min(MAX_STOP_TIMEOUT_SECONDS, config.workerDrainSeconds + 15);
    taskDefinition.addContainer('detector', {
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, detectorImageProps(config, 'gpu')),
      gpuCount: 1,
      memoryReservationMiB: config.gpuTaskMemoryMiB,
      essential: true,
      environment: props.environment,
      command: ['node', '--import', 'tsx', 'functions/worker/container.ts'],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'detector', logGroup: this.logGroup }),
      stopTimeout: Duration.seconds(stopTimeout),
      healthCheck: {
        command: ['CMD', 'node', '--import', 'tsx', 'functions/worker/health.ts'],
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
    const target = new appscaling.ScalableTarget(this, 'TaskCount', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${this.cluster.clusterName}/${this.service.serviceName}`,
      minCapacity: 0,
      maxCapacity: config.maxGpuTasks,
      // The service-linked role Application Auto Scaling uses for ECS (what Ec2Service.autoScaleTaskCount uses).
      role: iam.Role.fromRoleArn(
        this,
        'ScalingRole',
        Stack.of(this).formatArn({
          region: '',
          service: 'iam',
          resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
          resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
        }),
      ),
    });
    target.node.addDependency(this.service);

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

    Validations.of(instanceRole).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::ecs:Submit*]',
        reason:
          'Statements CDK adds for the ECS container agent (the AmazonEC2ContainerServiceforEC2Role set): the ' +
          'agent submits container and task state changes for whatever task the scheduler places.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ECS agent statements CDK adds: ecs:Poll and ecs:StartTelemetrySession are conditioned on this ' +
          'cluster; ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and the agent’s log calls do not ' +
          'support resource-level permissions.',
      },
    );
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
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-AS3',
      reason:
        'Only launch and termination errors are notified: routine scale-out from and scale-in to zero happens ' +
        'with every burst of uploads and would drown the alarm topic.',
    });
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-EC29',
      reason:
        'Instances are cattle managed by the ECS capacity provider; managed termination protection already ' +
        'keeps instances with running tasks, and scale-to-zero must be able to terminate them.',
    });
  }
}
