import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipelineWidgets } from './pipeline-panels.ts';

export const METRIC_NAMESPACE = 'RealTone';
export const WORKER_ERRORS_METRIC = 'WorkerErrors';
/** The detector containers' Prometheus port (METRICS_PORT). */
export const METRICS_PORT = 9464;

/** An alarm factory: each alarm tells `topic` when it fires and when it recovers, and is collected in `into`. */
export function notifyingAlarms(
  scope: Construct,
  topic: sns.ITopic,
  into: cloudwatch.Alarm[],
): (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm {
  const action = new cwActions.SnsAction(topic);
  return (id, props) => {
    const alarm = new cloudwatch.Alarm(scope, id, props);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    into.push(alarm);
    return alarm;
  };
}

/** Counts the ERROR lines (Powertools JSON) of a log group as `metricName` (5-minute sums, RealTone namespace). */
export function errorLinesMetric(
  scope: Construct,
  filterId: string,
  logGroup: logs.ILogGroup,
  metricName: string,
): cloudwatch.Metric {
  new logs.MetricFilter(scope, filterId, {
    logGroup,
    filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
    metricNamespace: METRIC_NAMESPACE,
    metricName,
    metricValue: '1',
    defaultValue: 0,
  });
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    period: Duration.minutes(5),
    statistic: 'Sum',
  });
}

export interface AlarmTopicProps {
  alarmEmail?: string;
}

/** Where every alarm (and the GPU Auto Scaling group's launch errors) is sent. */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'RealTone alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and alarm ' +
        'notifications carry no customer data; a customer managed key would add a fixed monthly cost.',
    });
  }
}

export interface ObservabilityProps {
  topic: sns.ITopic;
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  httpApi: apigw.HttpApi;
  apiFunctions: lambda.IFunction[];
  workerLogGroup: logs.ILogGroup;
  /** CPU mode: the detector function, whose Errors metric is alarmed as well. */
  detectorFunction?: lambda.IFunction;
  /** GPU mode: the backlog expression and the service's running task count for the dashboard. */
  backlog?: cloudwatch.IMetric;
  runningTasks?: cloudwatch.IMetric;
  oldestMessageAlarmSeconds: number;
}

/**
 * Alarms on what needs a human: messages in the DLQ, jobs waiting too long, worker errors, and API 5xx responses;
 * all go to the SNS topic. One dashboard shows the queue, the API and the detector side by side.
 */
export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const alarm = notifyingAlarms(this, props.topic, this.alarms);
    const fiveMinutes = Duration.minutes(5);

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    alarm('DeadLetterQueueDepth', {
      alarmDescription: 'RealTone: messages in the dead-letter queue (jobs that failed every attempt)',
      metric: dlqDepth,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const oldest = props.queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    alarm('OldestMessageAge', {
      alarmDescription: `RealTone: a job has waited more than ${props.oldestMessageAlarmSeconds} s in the queue`,
      metric: oldest,
      threshold: props.oldestMessageAlarmSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Worker errors: every ERROR line the worker logs (Powertools JSON), in either detector mode.
    const workerErrors = errorLinesMetric(
      this,
      'WorkerErrorFilter',
      props.workerLogGroup,
      WORKER_ERRORS_METRIC,
    );
    alarm('WorkerErrors', {
      alarmDescription: 'RealTone: the detector logged errors',
      metric: workerErrors,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.detectorFunction) {
      alarm('DetectorFunctionErrors', {
        alarmDescription: 'RealTone: the detector function failed (crash, timeout or init error)',
        metric: props.detectorFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    const api5xx = props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    alarm('Api5xx', {
      alarmDescription: 'RealTone: the API answered 5xx',
      metric: api5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const queueDepth = props.queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Jobs queue',
            left: [queueDepth, ...(props.backlog ? [props.backlog] : [])],
            right: [dlqDepth],
            width: 8,
          }),
          new cloudwatch.GraphWidget({ title: 'Oldest job waiting (s)', left: [oldest], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Detector',
            left: [
              workerErrors,
              ...(props.detectorFunction
                ? [
                    props.detectorFunction.metricInvocations({ period: fiveMinutes }),
                    props.detectorFunction.metricErrors({ period: fiveMinutes }),
                  ]
                : []),
            ],
            right: props.runningTasks
              ? [props.runningTasks]
              : props.detectorFunction
                ? [props.detectorFunction.metricDuration({ period: fiveMinutes, statistic: 'p90' })]
                : [],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'API requests and errors',
            left: [props.httpApi.metricCount({ period: fiveMinutes })],
            right: [api5xx, props.httpApi.metricClientError({ period: fiveMinutes, statistic: 'Sum' })],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API latency (p90, ms)',
            left: [props.httpApi.metricLatency({ period: fiveMinutes, statistic: 'p90' })],
            right: props.apiFunctions.map((fn) => fn.metricErrors({ period: fiveMinutes })),
            width: 12,
          }),
        ],
        ...pipelineWidgets(),
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: this.alarms,
            width: 24,
          }),
        ],
      ],
    });
  }
}
