import { Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface GpuCapacityProps {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  cluster: ecs.Cluster;
  instanceType: string;
  /** Most instances at once (one GPU task each). */
  maxInstances: number;
  /** Launch and termination errors of the Auto Scaling group are sent here. */
  alarmTopic: sns.ITopic;
}

/**
 * GPU instances for ECS tasks that hold one GPU each: the ECS GPU-optimised Amazon Linux 2023 AMI, IMDSv2 only and
 * out of the tasks' reach, an Auto Scaling group from zero that the cluster's capacity provider (managed scaling,
 * managed termination protection, managed draining) grows and shrinks with the tasks. Built in the caller's scope
 * (InstanceSg, InstanceRole, LaunchTemplate, GpuInstances, GpuCapacity) so the resources keep their logical IDs.
 * Used by the file detector and, in GPU mode, by the streaming service.
 */
export function addGpuCapacity(
  scope: Construct,
  props: GpuCapacityProps,
): { autoScalingGroup: autoscaling.AutoScalingGroup; capacityProvider: ecs.AsgCapacityProvider } {
  const { vpc } = props;
  const instanceSg = new ec2.SecurityGroup(scope, 'InstanceSg', {
    vpc,
    description: 'RealTone GPU container instances: no inbound; outbound to AWS APIs and ECR',
    allowAllOutbound: true,
  });
  const instanceRole = new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: 'RealTone GPU container instances (ECS agent)',
  });
  const userData = ec2.UserData.forLinux();
  // Tasks (awsvpc) must not reach the instance metadata service and borrow the instance role.
  userData.addCommands('echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config');
  const launchTemplate = new ec2.LaunchTemplate(scope, 'LaunchTemplate', {
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
    instanceType: new ec2.InstanceType(props.instanceType),
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
  const autoScalingGroup = new autoscaling.AutoScalingGroup(scope, 'GpuInstances', {
    vpc,
    vpcSubnets: props.subnets,
    launchTemplate,
    minCapacity: 0,
    maxCapacity: props.maxInstances,
    notifications: [{ topic: props.alarmTopic, scalingEvents: autoscaling.ScalingEvents.ERRORS }],
  });
  const capacityProvider = new ecs.AsgCapacityProvider(scope, 'GpuCapacity', {
    autoScalingGroup,
    enableManagedScaling: true,
    enableManagedTerminationProtection: true,
    enableManagedDraining: true,
    targetCapacityPercent: 100,
    machineImageType: ecs.MachineImageType.AMAZON_LINUX_2,
  });
  props.cluster.addAsgCapacityProvider(capacityProvider);

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
  Validations.of(autoScalingGroup).acknowledge({
    id: 'AwsSolutions-AS3',
    reason:
      'Only launch and termination errors are notified: routine scale-out and scale-in happen with every burst ' +
      'of work and would drown the alarm topic.',
  });
  Validations.of(autoScalingGroup).acknowledge({
    id: 'AwsSolutions-EC29',
    reason:
      'Instances are cattle managed by the ECS capacity provider; managed termination protection already keeps ' +
      'instances with running tasks, and scale-in must be able to terminate them.',
  });
  return { autoScalingGroup, capacityProvider };
}

/**
 * The desired task count of an ECS service as an Application Auto Scaling target, with the service-linked role
 * Application Auto Scaling uses for ECS (what Ec2Service.autoScaleTaskCount uses), built in the caller's scope as
 * `TaskCount` so policies of any kind (step, target tracking, metric math) can attach to it.
 */
export function serviceTaskCount(
  scope: Construct,
  props: { cluster: ecs.ICluster; service: ecs.BaseService; minCapacity: number; maxCapacity: number },
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(scope, 'TaskCount', {
    serviceNamespace: appscaling.ServiceNamespace.ECS,
    scalableDimension: 'ecs:service:DesiredCount',
    resourceId: `service/${props.cluster.clusterName}/${props.service.serviceName}`,
    minCapacity: props.minCapacity,
    maxCapacity: props.maxCapacity,
    role: iam.Role.fromRoleArn(
      scope,
      'ScalingRole',
      Stack.of(scope).formatArn({
        region: '',
        service: 'iam',
        resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
        resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
      }),
    ),
  });
  target.node.addDependency(props.service);
  return target;
}
