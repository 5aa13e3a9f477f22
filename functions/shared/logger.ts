import { Console } from 'node:console';
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { currentCorrelation } from './correlation.ts';

/**
 * One structured JSON logger per process (Powertools). Child loggers add a component name. Level comes from
 * LOG_LEVEL (default INFO; ERROR under tests). Set LOG_TO_STDERR=1 where stdout carries data (the CLI prints JSON
 * lines there), so logs never mix with results.
 */
const level = (process.env.LOG_LEVEL ?? (process.env.VITEST ? 'ERROR' : 'INFO')).toUpperCase();
const toStderr = process.env.LOG_TO_STDERR === '1';
const stderrConsole = toStderr ? new Console({ stdout: process.stderr, stderr: process.stderr }) : undefined;

function route(logger: Logger): Logger {
  if (stderrConsole) (logger as unknown as { console: Console }).console = stderrConsole;
  return logger;
}

/**
 * Powertools' JSON layout, plus the correlation keys of the work in progress (correlation_id, job_id, batch_id:
 * shared/correlation.ts) on every line, from whichever module logs it.
 */
class CorrelatedFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const lambda = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: lambda?.coldStart,
        function_arn: lambda?.invokedFunctionArn,
        function_memory_size: lambda?.memoryLimitInMB,
        function_name: lambda?.functionName,
        function_request_id: lambda?.awsRequestId,
        sampling_rate: attributes.sampleRateValue,
        xray_trace_id: attributes.xRayTraceId,
        ...currentCorrelation(),
      },
    }).addAttributes(additional);
  }
}

const root = route(
  new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'realtone',
    logLevel: level as 'INFO',
    logFormatter: new CorrelatedFormatter(),
  }),
);

export type AppLogger = Logger;

export function getLogger(component?: string): Logger {
  return component ? route(root.createChild({ persistentKeys: { component } })) : root;
}
