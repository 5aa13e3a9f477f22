import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { errorLinesMetric, notifyingAlarms } from './observability.ts';
import type { StreamService } from './stream-service.ts';

export const STREAM_ERRORS_METRIC = 'StreamErrors';

export interface StreamMonitoringProps {
  stream: Pick<StreamService, 'front' | 'logGroup' | 'cluster' | 'service'>;
  topic: sns.ITopic;
}

/**
 * What needs a human about the streaming service, to the alarm topic: no healthy task behind the load balancer,
 * load balancer 5xx (no target, or a target that failed), and ERROR lines the service logs. Plus a dashboard row:
 * connections, healthy tasks, running tasks and CPU, and the state of these alarms.
 */
export class StreamMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly widgets: cloudwatch.IWidget[];

  constructor(scope: Construct, id: string, props: StreamMonitoringProps) {
    super(scope, id);
    const { loadBalancer, targetGroup } = props.stream.front;
    const alarm = notifyingAlarms(this, props.topic, this.alarms);
    const minute = Duration.minutes(1);
    const healthy = targetGroup.metrics.healthyHostCount({ period: minute, statistic: 'Minimum' });
    alarm('NoHealthyTask', {
      alarmDescription: 'RealTone: the streaming service has no healthy task behind its load balancer',
      metric: healthy,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const elb5xx = loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
      period: Duration.minutes(5),
      statistic: 'Sum',
    });
    alarm('LoadBalancer5xx', {
      alarmDescription:
        'RealTone: the stream load balancer answered 5xx (no healthy target, or a target failed)',
      metric: elb5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const errors = errorLinesMetric(this, 'ErrorFilter', props.stream.logGroup, STREAM_ERRORS_METRIC);
    alarm('Errors', {
      alarmDescription: 'RealTone: the streaming service logged errors',
      metric: errors,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const service = {
      ClusterName: props.stream.cluster.clusterName,
      ServiceName: props.stream.service.serviceName,
    };
    this.widgets = [
      new cloudwatch.GraphWidget({
        title: 'Streams: load balancer connections and 5xx',
        left: [loadBalancer.metrics.activeConnectionCount({ period: minute, statistic: 'Sum' })],
        right: [elb5xx, errors],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream tasks: healthy, running, CPU %',
        left: [
          healthy,
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: service,
            period: minute,
            statistic: 'Maximum',
          }),
        ],
        right: [props.stream.service.metricCpuUtilization({ period: minute })],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Stream alarms', alarms: this.alarms, width: 8 }),
    ];
  }
}
