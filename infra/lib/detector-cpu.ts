import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_MAX_TIMEOUT_SECONDS, REPO_ROOT, type RealToneConfig } from './config.ts';
import { detectorImageProps } from './detector-image.ts';

export interface CpuDetectorProps {
  config: RealToneConfig;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  queue: sqs.IQueue;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
}

/**
 * The CPU detector: the same worker code and model as the GPU image (the `lambda` target of the same Dockerfile,
 * built on the Lambda Node.js base image) as a container-image function fed by the jobs queue. One message per
 * invocation (a job takes seconds to minutes), partial batch responses so a retried job never re-runs its
 * neighbours, and a concurrency cap that protects Postgres and the account's Lambda concurrency.
 */
export class CpuDetector extends Construct {
  readonly function: lambda.DockerImageFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CpuDetectorProps) {
    super(scope, id);
    const { config } = props;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'RealTone CPU detector function',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      ],
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new lambda.DockerImageFunction(this, 'Function', {
      description: 'RealTone detector (CPU, SQS event source)',
      code: lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
        ...detectorImageProps(config, 'lambda'),
        cmd: ['lambda.handler'],
      }),
      architecture: lambda.Architecture.X86_64,
      memorySize: config.cpuMemoryMb,
      // Sized to the longest job. The queue's visibility timeout is at least this (checked by the event source);
      // the handler shortens each message's own visibility to WORKER_VISIBILITY_TIMEOUT_SECONDS as it starts, and
      // the heartbeat extends it, so a crashed invocation's job comes back within that, not this.
      timeout: Duration.seconds(Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, config.cpuFunctionTimeoutSeconds)),
      // /tmp holds the model when it is fetched from S3 (-c modelS3Uri) instead of baked into the image.
      ephemeralStorageSize: Size.mebibytes(config.modelS3Uri ? 4096 : 512),
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: props.environment,
    });
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: config.cpuMaxConcurrency,
      }),
    );
  }
}
