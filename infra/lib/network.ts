import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  natGateways: number;
  /** Public subnets even without NAT gateways: an internet-facing load balancer lives there. */
  publicSubnets: boolean;
  logRetention: logs.RetentionDays;
}

/**
 * The VPC: public subnets only for the NAT gateway(s), private subnets for every compute resource and data store.
 * S3 and DynamoDB are reached through gateway endpoints (free, and the bulk of the bytes: audio downloads), SQS
 * through an interface endpoint. Everything else the workloads call (Secrets Manager, ECR, CloudWatch Logs, ECS,
 * X-Ray) goes through the NAT gateway; with `natGateways=0` the private subnets are isolated and interface endpoints
 * for those services are created instead (no internet egress at all, at a higher fixed cost: see docs/deploy.md).
 * The streaming service's load balancer needs public subnets; with `natGateways=0` they are created for it alone
 * (an internet gateway, but the private subnets keep no route to it).
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Subnets for Lambda functions, ECS tasks and instances, RDS, RDS Proxy and ElastiCache. */
  readonly appSubnets: ec2.SubnetSelection;
  /** Subnets of internet-facing load balancers (present when natGateways > 0 or publicSubnets). */
  readonly publicSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PUBLIC };

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const privateType =
      props.natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        ...(props.natGateways > 0 || props.publicSubnets
          ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false }]
          : []),
        { name: 'private', subnetType: privateType, cidrMask: 20 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      // Rejected traffic only: enough to debug security groups, a fraction of the cost of logging everything.
      flowLogs: {
        rejected: {
          trafficType: ec2.FlowLogTrafficType.REJECT,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
        },
      },
    });
    this.appSubnets = { subnetType: privateType };

    const interfaceServices: [string, ec2.InterfaceVpcEndpointAwsService][] = [
      ['Sqs', ec2.InterfaceVpcEndpointAwsService.SQS],
    ];
    if (props.natGateways === 0) {
      interfaceServices.push(
        ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
        ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
        ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
        ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
        ['Monitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
        ['Ecs', ec2.InterfaceVpcEndpointAwsService.ECS],
        ['EcsAgent', ec2.InterfaceVpcEndpointAwsService.ECS_AGENT],
        ['EcsTelemetry', ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY],
        ['XRay', ec2.InterfaceVpcEndpointAwsService.XRAY],
        ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
      );
    }
    for (const [name, service] of interfaceServices) {
      // Interface endpoints accept HTTPS from inside the VPC only (the default security group rule).
      const endpoint = this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        subnets: this.appSubnets,
        privateDnsEnabled: true,
      });
      Validations.of(endpoint).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          'The endpoint security group admits HTTPS from the VPC CIDR only (an intrinsic cdk-nag cannot ' +
          'resolve); nothing outside the VPC can reach it.',
      });
    }
  }
}
