/**
 * Local stand-in for API Gateway HTTP API: each request becomes a payload-format-2.0 event for the Lambda handler
 * CDK deploys for that route, and the handler's result becomes the response. Also answers CORS preflights for the
 * local web origins, as the HTTP API's CORS configuration does in AWS.
 *
 * It sits on every poll, so it is written for the per-request cost (bench/api-poll.ts): no WHATWG URL parse, headers
 * read once from rawHeaders, routes looked up by method then pattern, the response written with a flat header
 * array, and no async function (and its extra promise) unless a request has a body to read.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RouteDef } from '../api/routes.ts';
import {
  decodeParam,
  functionNames,
  LocalContext,
  queryParameters,
  readHeaders,
  requestTime,
  type FunctionNames,
} from './gateway-request.ts';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute {
  route: RouteDef;
  routeKey: string;
  names: FunctionNames;
  pattern: RegExp;
  params: string[];
  fn: LambdaHandler;
}

/** API Gateway's own limit is 10 MB; our JSON bodies are tiny. */
export const MAX_BODY_BYTES = 1024 * 1024;
const TEXTUAL = /^(application\/(json|.*\+json)|text\/)/;
const JSON_TYPE = ['content-type', 'application/json'];

interface RouteMatch {
  compiled: CompiledRoute;
  match: RegExpExecArray;
}

function compile(route: RouteDef, fn: LambdaHandler): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return {
    route,
    routeKey: `${route.method} ${route.path}`,
    names: functionNames(route.handler),
    pattern: new RegExp(`^${source}$`),
    params,
    fn,
  };
}

/** Serves what is not under /v1/ (the web app), as CloudFront's default behaviour does in AWS. */
export type WebHandler = (req: http.IncomingMessage, res: http.ServerResponse, rawPath: string) => unknown;

export function createHttpAdapter(
  routes: { route: RouteDef; fn: LambdaHandler }[],
  webOrigins: string[],
  web?: WebHandler,
) {
  return http.createServer(createHttpHandler(routes, webOrigins, web));
}

export function createHttpHandler(
  routes: { route: RouteDef; fn: LambdaHandler }[],
  webOrigins: string[],
  web?: WebHandler,
): http.RequestListener {
  const byMethod = new Map<string, CompiledRoute[]>();
  const all: CompiledRoute[] = [];
  for (const r of routes) {
    const compiled = compile(r.route, r.fn);
    all.push(compiled);
    byMethod.set(r.route.method, [...(byMethod.get(r.route.method) ?? []), compiled]);
  }
  const corsHeaders = [
    'access-control-allow-headers',
    'authorization,content-type,idempotency-key',
    'access-control-allow-methods',
    'GET,POST,DELETE,OPTIONS',
    'access-control-expose-headers',
    'retry-after,location',
    'access-control-max-age',
    '600',
    'vary',
    'origin',
  ];

  function send(
    res: http.ServerResponse,
    origin: string | undefined,
    status: number,
    headers: string[],
    body?: string | Buffer,
  ) {
    if (origin !== undefined && webOrigins.includes(origin))
      headers.push('access-control-allow-origin', origin, ...corsHeaders);
    // A known length, as API Gateway sends it: without it Node falls back to chunked framing (extra writes).
    // 204 and 304 carry no body and must not carry a Content-Length either (RFC 9110 §8.6).
    if (status !== 204 && status !== 304)
      headers.push('content-length', String(body === undefined ? 0 : Buffer.byteLength(body)));
    res.writeHead(status, headers);
    res.end(body);
  }

  const gatewayError = (
    res: http.ServerResponse,
    origin: string | undefined,
    status: number,
    message: string,
  ) => send(res, origin, status, [...JSON_TYPE], JSON.stringify({ message }));

  function findRoute(method: string, rawPath: string): RouteMatch | undefined {
    for (const compiled of byMethod.get(method) ?? []) {
      const match = compiled.pattern.exec(rawPath);
      if (match) return { compiled, match };
    }
    return undefined;
  }

  function invoke(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    { compiled, match }: RouteMatch,
    rawPath: string,
    query: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ) {
    let pathParameters: Record<string, string> | undefined;
    if (compiled.params.length) {
      pathParameters = {};
      for (let i = 0; i < compiled.params.length; i++) {
        const value = decodeParam(match[i + 1]!);
        if (value === undefined) return gatewayError(res, headers.origin, 400, 'Bad Request');
        pathParameters[compiled.params[i]!] = value;
      }
    }
    const requestId = randomUUID();
    const now = Date.now();
    const textual = TEXTUAL.test(headers['content-type'] ?? 'application/json');
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: compiled.routeKey,
      rawPath,
      rawQueryString: query,
      headers,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: {
          method: compiled.route.method,
          path: rawPath,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: compiled.routeKey,
        stage: '$default',
        time: requestTime(now),
        timeEpoch: now,
      },
      isBase64Encoded: body !== undefined && !textual,
    };
    // Payload 2.0 moves the Cookie header into `cookies`, one entry per cookie.
    const cookieHeader = headers.cookie;
    if (cookieHeader !== undefined) {
      delete headers.cookie;
      event.cookies = cookieHeader
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean);
    }
    if (query) event.queryStringParameters = queryParameters(query);
    if (pathParameters) event.pathParameters = pathParameters;
    if (body !== undefined) event.body = textual ? body.toString('utf8') : body.toString('base64');
    let pending: Promise<APIGatewayProxyStructuredResultV2>;
    try {
      pending = compiled.fn(event, new LocalContext(compiled.names, requestId));
    } catch (error) {
      pending = Promise.reject(error as Error);
    }
    pending
      .then((result) => {
        const out = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : result.body;
        const flat = ['apigw-requestid', requestId];
        const resultHeaders = result.headers;
        if (resultHeaders) for (const key in resultHeaders) flat.push(key, String(resultHeaders[key]));
        if (result.cookies) for (const cookie of result.cookies) flat.push('set-cookie', cookie);
        send(res, headers.origin, result.statusCode ?? 200, flat, out);
      })
      .catch(() => {
        // API Gateway answers an invocation failure, or a result it cannot send (an invalid header), with a bare 500.
        if (res.headersSent) res.destroy();
        else gatewayError(res, headers.origin, 500, 'Internal Server Error');
      });
  }

  function readBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    origin: string | undefined,
    done: (body: Buffer | undefined) => void,
  ) {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        gatewayError(res, origin, 413, 'Request Entity Too Large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) done(size > 0 ? Buffer.concat(chunks) : undefined);
    });
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (web && !rawPath.startsWith('/v1/')) return void web(req, res, rawPath);
    const headers = readHeaders(req.rawHeaders);
    const origin = headers.origin;
    if (req.method === 'OPTIONS') return send(res, origin, 204, []);
    const found = findRoute(req.method ?? '', rawPath);
    if (!found) {
      const otherMethod = all.some((r) => r.pattern.test(rawPath));
      return gatewayError(
        res,
        origin,
        otherMethod ? 405 : 404,
        otherMethod ? 'Method Not Allowed' : 'Not Found',
      );
    }
    const length = headers['content-length'];
    const hasBody = length !== undefined ? length !== '0' : headers['transfer-encoding'] !== undefined;
    if (!hasBody) return invoke(req, res, found, rawPath, query, headers, undefined);
    readBody(req, res, origin, (body) => invoke(req, res, found, rawPath, query, headers, body));
  };
}
