import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';

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

const root = route(
  new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'realtone',
    logLevel: level as 'INFO',
  }),
);

export type AppLogger = Logger;

export function getLogger(component?: string): Logger {
  return component ? route(root.createChild({ persistentKeys: { component } })) : root;
}
