import { Aws, CfnCondition, CfnMapping, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

export interface StreamLoadBalancerProps {
  vpc: ec2.IVpc;
  /** Public subnets: the load balancer is internet-facing. */
  subnets: ec2.SubnetSelection;
  certificateArn: string;
  /** Port of the stream service in its tasks (STREAM_PORT). */
  targetPort: number;
  deregistrationDelaySeconds: number;
  /** Access logs go to this bucket under `stream-alb/`. */
  accessLogBucket: s3.IBucket;
}

/** Idle timeout of the load balancer: well above the service's own idle limit, so the server ends idle streams. */
export const STREAM_LB_IDLE_TIMEOUT_SECONDS = 300;
/** Path of the socket; everything else on the listener answers 404. */
export const STREAM_PATH = '/v1/stream';
const ACCESS_LOG_PREFIX = 'stream-alb';

/**
 * The streaming service's front door. API Gateway WebSocket APIs refuse binary frames and cap a message at 128 KB,
 * so an Application Load Balancer terminates TLS (the certificate of the stream domain) and forwards `/v1/stream`
 * upgrades to the tasks over HTTP inside the VPC; every other path gets 404, so /health stays internal. The idle
 * timeout and client keep-alive never end a stream before the service does. Access logs go to the access-log bucket.
 */
export class StreamLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly listener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: StreamLoadBalancerProps) {
    super(scope, id);
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: true,
      idleTimeout: Duration.seconds(STREAM_LB_IDLE_TIMEOUT_SECONDS),
      // Longest HTTP keep-alive ELB allows; a stream may last up to STREAM_MAX_SECONDS (at most 24 h).
      clientKeepAlive: Duration.days(7),
      dropInvalidHeaderFields: true,
    });
    this.logAccessTo(props.accessLogBucket);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.targetPort,
      // ECS waits for this before it sends SIGTERM to a task leaving the group (scale-in, deployment): running
      // streams get this long to end on their own; the service drains whatever is left after SIGTERM.
      deregistrationDelay: Duration.seconds(props.deregistrationDelaySeconds),
      healthCheck: {
        path: '/health',
        port: 'traffic-port',
        protocol: elbv2.Protocol.HTTP,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.listener = this.loadBalancer.addListener('Https', {
      protocol: elbv2.ApplicationProtocol.HTTPS,
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.TLS13_12_RES_PQ,
      open: true,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: JSON.stringify({
          error: { code: 'not_found', message: `only ${STREAM_PATH} is served here` },
        }),
      }),
    });
    this.listener.addAction('Stream', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns([STREAM_PATH])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });

    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The streaming socket is a public endpoint: clients anywhere connect on 443 (TLS) with a one-time ticket ' +
        'or a Bearer token; the load balancer forwards only /v1/stream to the tasks.',
    });
  }

  /**
   * ELBv2 access logs. CDK's logAccessLogs needs the region at synthesis and this stack is region-agnostic, so the
   * bucket policy is written here: regions opened before August 2022 deliver from an ELB account (a mapping of
   * CDK's region facts), newer ones through the log-delivery service principal; both statements are present, the
   * account one falling back to this account where no ELB account exists.
   */
  private logAccessTo(bucket: s3.IBucket): void {
    const stack = Stack.of(this);
    const accounts = RegionInfo.regionMap(FactName.ELBV2_ACCOUNT);
    const mapping = new CfnMapping(this, 'ElbLogAccounts', {
      mapping: Object.fromEntries(
        RegionInfo.regions.map((r) => [r.name, { account: accounts[r.name] ?? 'none' }]),
      ),
    });
    const mapped = mapping.findInMap(Aws.REGION, 'account');
    const noElbAccount = new CfnCondition(this, 'RegionWithoutElbAccount', {
      expression: Fn.conditionEquals(mapped, 'none'),
    });
    const elbAccount = Fn.conditionIf(noElbAccount.logicalId, Aws.ACCOUNT_ID, mapped).toString();
    const objects = bucket.arnForObjects(`${ACCESS_LOG_PREFIX}/AWSLogs/${stack.account}/*`);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'StreamAlbLogsLegacyRegions',
        actions: ['s3:PutObject'],
        principals: [new iam.ArnPrincipal(`arn:${Aws.PARTITION}:iam::${elbAccount}:root`)],
        resources: [objects],
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'StreamAlbLogs',
        actions: ['s3:PutObject'],
        principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        resources: [objects],
      }),
    );
    this.loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
    this.loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.loadBalancer.setAttribute('access_logs.s3.prefix', ACCESS_LOG_PREFIX);
    // ELB checks that it may write when the attribute is set.
    if (bucket.policy) this.loadBalancer.node.addDependency(bucket.policy);
  }
}
