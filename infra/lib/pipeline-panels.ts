import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { STAGES } from '../../functions/shared/metric-catalog.ts';

/** The metrics' namespace and the service the detector's EMF records carry as a dimension (Powertools). */
const NAMESPACE = 'RealTone';
const WORKER_SERVICE = 'realtone-worker';
/** The live-stream service's EMF records (infra/lib/environment.ts). */
const STREAM_SERVICE = 'realtone-stream';
const period = Duration.minutes(5);

const stageMetric = (stage: string, statistic: string) =>
  new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: 'realtone_stage_duration_seconds',
    dimensionsMap: { service: WORKER_SERVICE, stage },
    statistic,
    period,
    label: `${stage} ${statistic}`,
  });

const search = (expression: string, label: string) =>
  new cloudwatch.MathExpression({ expression, label, period, usingMetrics: {} });

/**
 * Dashboard rows for the pipeline, from the metrics the detector writes as EMF (functions/shared/metric-catalog.ts):
 * one panel per stage (p50, p90, p99 seconds), extractors (found by search, whatever their names), windows per
 * second, jobs by outcome and error code, time spent queued, and the live-stream service.
 */
export function pipelineWidgets(): cloudwatch.IWidget[][] {
  const stagePanels = STAGES.map(
    (stage) =>
      new cloudwatch.GraphWidget({
        title: `Stage: ${stage} (s)`,
        left: ['p50', 'p90', 'p99'].map((stat) => stageMetric(stage, stat)),
        width: 6,
      }),
  );
  const windows = new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: 'realtone_windows_total',
    dimensionsMap: { service: WORKER_SERVICE },
    statistic: 'Sum',
    period: Duration.minutes(1),
  });
  const queued = (statistic: string) =>
    new cloudwatch.Metric({
      namespace: NAMESPACE,
      metricName: 'realtone_job_queued_seconds',
      dimensionsMap: { service: WORKER_SERVICE },
      statistic,
      period,
      label: `queued ${statistic}`,
    });
  return [
    stagePanels,
    [
      new cloudwatch.GraphWidget({
        title: 'Stage: extractors (p90 s)',
        left: [
          search(
            `SEARCH('{${NAMESPACE},service,stage} MetricName="realtone_stage_duration_seconds" stage=extractor', 'p90', 300)`,
            'extractor p90',
          ),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Windows per second',
        left: [
          new cloudwatch.MathExpression({
            expression: 'w / 60',
            usingMetrics: { w: windows },
            label: 'windows/s',
            period: Duration.minutes(1),
          }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs by outcome and error code',
        left: [
          search(
            `SEARCH('{${NAMESPACE},code,outcome,service} MetricName="realtone_jobs_total"', 'Sum', 300)`,
            'jobs',
          ),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Time spent queued (s)',
        left: ['p50', 'p90', 'p99'].map(queued),
        width: 6,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Live streams: sessions and window latency (s)',
        left: [
          new cloudwatch.Metric({
            namespace: NAMESPACE,
            metricName: 'realtone_stream_sessions',
            dimensionsMap: { service: STREAM_SERVICE },
            statistic: 'Maximum',
            period: Duration.minutes(1),
          }),
        ],
        right: ['p50', 'p99'].map(
          (statistic) =>
            new cloudwatch.Metric({
              namespace: NAMESPACE,
              metricName: 'realtone_stream_window_latency_seconds',
              dimensionsMap: { service: STREAM_SERVICE },
              statistic,
              period,
            }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API request time by route (p90 s)',
        left: [
          search(
            `SEARCH('{${NAMESPACE},route,service} MetricName="realtone_http_request_duration_seconds"', 'p90', 300)`,
            'p90',
          ),
        ],
        width: 12,
      }),
    ],
  ];
}
