/**
 * Local stand-in for API Gateway HTTP API: each request becomes a payload-format-2.0 event for the Lambda handler
 * CDK deploys for that route, and the handler's result becomes the response. Also answers CORS preflights for the
 * local web origins, as the HTTP API's CORS configuration does in AWS.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RouteDef } from '../api/routes.ts';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute extends RouteDef {
  pattern: RegExp;
  params: string[];
  fn: LambdaHandler;
}

const MAX_BODY = 1024 * 1024;
const EMPTY = Buffer.alloc(0); // API Gateway's own limit is 10 MB; our JSON bodies are tiny

function compile(route: RouteDef, fn: LambdaHandler): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}$`), params, fn };
}

function lambdaContext(requestId: string, name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `realtone-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:realtone-${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/realtone-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function createHttpAdapter(routes: { route: RouteDef; fn: LambdaHandler }[], webOrigins: string[]) {
  const compiled = routes.map((r) => compile(r.route, r.fn));
  const cors = (origin: string | undefined): Record<string, string> =>
    origin && webOrigins.includes(origin)
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-headers': 'authorization,content-type,idempotency-key',
          'access-control-allow-methods': 'GET,POST,DELETE,OPTIONS',
          'access-control-expose-headers': 'retry-after,location',
          'access-control-max-age': '600',
          vary: 'origin',
        }
      : {};

  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const send = (status: number, headers: Record<string, string>, body?: string | Buffer) => {
      // A known length, as API Gateway sends it: without it Node falls back to chunked framing (extra writes).
      // 204 and 304 carry no body and must not carry a Content-Length either (RFC 9110 §8.6).
      const length =
        status === 204 || status === 304 ? {} : { 'content-length': String(Buffer.byteLength(body ?? '')) };
      res.writeHead(status, { ...headers, ...cors(origin), ...length });
      res.end(body);
    };
    if (req.method === 'OPTIONS') return send(204, {});
    const candidates = compiled.filter((r) => r.pattern.test(url.pathname));
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      const status = candidates.length ? 405 : 404;
      return send(
        status,
        { 'content-type': 'application/json' },
        JSON.stringify({ message: status === 404 ? 'Not Found' : 'Method Not Allowed' }),
      );
    }
    let body = EMPTY;
    // Requests without a body (polls) skip the stream machinery entirely.
    if (
      req.headers['content-length'] !== '0' &&
      (req.headers['content-length'] || req.headers['transfer-encoding'])
    ) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) {
          return send(413, { 'content-type': 'application/json' }, '{"message":"Request Entity Too Large"}');
        }
        chunks.push(chunk as Buffer);
      }
      body = Buffer.concat(chunks);
    }
    const match = route.pattern.exec(url.pathname)!;
    const pathParameters = Object.fromEntries(
      route.params.map((p, i) => [p, decodeURIComponent(match[i + 1]!)]),
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const requestId = randomUUID();
    const textual = /^(application\/(json|.*\+json)|text\/)/.test(
      headers['content-type'] ?? 'application/json',
    );
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      ...(route.params.length ? { pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: {
          method: route.method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && !textual,
    };
    try {
      const result = await route.fn(event, lambdaContext(requestId, route.handler));
      const out = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : result.body;
      const resultHeaders = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      send(result.statusCode ?? 200, { 'apigw-requestid': requestId, ...resultHeaders }, out);
    } catch {
      // API Gateway answers an invocation failure with a bare 500.
      send(500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    }
  });
}
