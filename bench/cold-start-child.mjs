// One cold start for bench:cold-start: load a Lambda bundle, serve one API Gateway (HTTP API v2) request, print the
// times from this process's start (performance.now() counts from it) as one JSON line. argv: the bundle, the
// function's name, and the request as JSON ({rawPath, routeKey, headers?, pathParameters?}).
import { pathToFileURL } from 'node:url';

const [bundle, handlerName, requestJson] = process.argv.slice(2);
const request = JSON.parse(requestJson);
const nodeStart = performance.now();
const mod = await import(pathToFileURL(bundle).href);
const loaded = performance.now();
const [method] = request.routeKey.split(' ');
const event = {
  version: '2.0',
  routeKey: request.routeKey,
  rawPath: request.rawPath,
  rawQueryString: '',
  headers: { host: 'bench.local', ...request.headers },
  ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
  requestContext: {
    requestId: 'bench',
    http: { method, path: request.rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
  },
  isBase64Encoded: false,
};
const context = { awsRequestId: 'bench', functionName: handlerName, getRemainingTimeInMillis: () => 10_000 };
const result = await mod.handler(event, context);
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({
    status: result.statusCode,
    node_start_ms: nodeStart,
    module_load_ms: loaded - nodeStart,
    first_request_ms: done - loaded,
    total_ms: done,
    // CPU time of the whole process (all threads), which a busy shared machine disturbs less than wall time.
    cpu_ms: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  })}\n`,
);
process.exit(0); // a Lambda freezes here; pools and clients would otherwise keep the process alive
