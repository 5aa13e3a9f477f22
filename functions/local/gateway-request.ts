/**
 * Pieces of the local API Gateway stand-in that turn a Node request into a payload-2.0 event and a Lambda context:
 * pure functions and a small class, kept apart from the server in http-adapter.ts.
 */
import type { Context } from 'aws-lambda';

/** The function names a route's Lambda context reports: fixed per route, so built once when routes compile. */
export interface FunctionNames {
  functionName: string;
  invokedFunctionArn: string;
  logGroupName: string;
}

export function functionNames(handler: string): FunctionNames {
  return {
    functionName: `realtone-${handler}`,
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:realtone-${handler}`,
    logGroupName: `/aws/lambda/realtone-${handler}`,
  };
}

/** The Lambda context of one invocation (the methods live on the prototype, not in every instance). */
export class LocalContext implements Context {
  callbackWaitsForEmptyEventLoop = false;
  functionVersion = '$LATEST';
  memoryLimitInMB = '512';
  logStreamName = 'local';
  functionName: string;
  invokedFunctionArn: string;
  logGroupName: string;
  constructor(
    names: FunctionNames,
    public awsRequestId: string,
  ) {
    this.functionName = names.functionName;
    this.invokedFunctionArn = names.invokedFunctionArn;
    this.logGroupName = names.logGroupName;
  }
  getRemainingTimeInMillis() {
    return 29_000;
  }
  done() {}
  fail() {}
  succeed() {}
}

/** requestContext.time changes once a second; formatting a Date per request is measurable. */
let clockSecond = -1;
let clockText = '';
export function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clockText = new Date(epochMs).toUTCString();
  }
  return clockText;
}

/** Lower-cased header map; repeated headers joined with commas, as API Gateway's payload 2.0 does. */
export function readHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase();
    const previous = headers[key];
    headers[key] = previous === undefined ? raw[i + 1]! : `${previous},${raw[i + 1]!}`;
  }
  return headers;
}

export function queryParameters(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) out[k] = out[k] === undefined ? v : `${out[k]},${v}`;
  return out;
}

export function decodeParam(value: string): string | undefined {
  if (!value.includes('%')) return value; // the common case (a UUID) needs no decoding
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined; // malformed %-escape: API Gateway answers such a path with 400
  }
}
