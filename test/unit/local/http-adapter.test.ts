/**
 * The local API Gateway stand-in over a real socket: the payload-2.0 event it builds, the gateway's own answers
 * (404, 405, 413, 400, 500, CORS) and how a handler's result is written back.
 */
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAdapter, MAX_BODY_BYTES } from '../../../functions/local/http-adapter.ts';
import type { RouteDef } from '../../../functions/api/routes.ts';

const seen: { event: APIGatewayProxyEventV2; context: Context }[] = [];
let reply: (event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 = () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
});
const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  seen.push({ event, context });
  return reply(event);
};
const route = (method: string, path: string, name: string) => ({
  route: { method, path, handler: name } as unknown as RouteDef,
  fn: handler,
});

const server = createHttpAdapter(
  [route('GET', '/v1/jobs/{id}', 'jobs-get'), route('POST', '/v1/uploads', 'uploads-create')],
  ['http://localhost:5173'],
);
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('local API Gateway adapter', () => {
  it('builds a payload-2.0 event: route key, decoded path parameters, joined query values, lower-case headers', async () => {
    seen.length = 0;
    const res = await fetch(`${base}/v1/jobs/a%20b?status=queued&status=failed&limit=5`, {
      headers: { 'X-Trace': 'one', 'user-agent': 'vitest' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('content-length')).toBe('11');
    const { event, context } = seen[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/jobs/{id}',
      rawPath: '/v1/jobs/a%20b',
      rawQueryString: 'status=queued&status=failed&limit=5',
      queryStringParameters: { status: 'queued,failed', limit: '5' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/v1/jobs/a%20b', sourceIp: '127.0.0.1' },
        stage: '$default',
      },
    });
    expect(event.headers['x-trace']).toBe('one');
    expect(event.requestContext.http.userAgent).toBe('vitest');
    expect(event.body).toBeUndefined();
    expect(res.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(context.awsRequestId).toBe(event.requestContext.requestId);
    expect(context.functionName).toBe('realtone-jobs-get');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
  });

  it('passes JSON bodies as text and binary bodies as base64', async () => {
    seen.length = 0;
    await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"filename":"é.wav"}',
    });
    await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    expect(seen[0]!.event).toMatchObject({ body: '{"filename":"é.wav"}', isBase64Encoded: false });
    expect(seen[1]!.event).toMatchObject({ body: 'AP8B', isBase64Encoded: true });
  });

  it('answers unknown paths 404, known paths with another method 405, bad escapes 400', async () => {
    seen.length = 0;
    const missing = await fetch(`${base}/v1/nothing`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
    const wrongMethod = await fetch(`${base}/v1/uploads`);
    expect([wrongMethod.status, await wrongMethod.json()]).toEqual([405, { message: 'Method Not Allowed' }]);
    const badEscape = await fetch(`${base}/v1/jobs/%E0%A4%A`);
    expect(badEscape.status).toBe(400);
    expect(seen).toHaveLength(0);
  });

  it('refuses bodies over the limit with 413 without calling the handler', async () => {
    seen.length = 0;
    const res = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('turns a failing handler or an unsendable result into a bare 500, and decodes base64 results', async () => {
    reply = () => {
      throw new Error('boom');
    };
    const failed = await fetch(`${base}/v1/jobs/x`);
    expect([failed.status, await failed.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    reply = () => ({ statusCode: 200, body: '{}', headers: { 'x-bad': 'line\r\nbreak' } });
    const unsendable = await fetch(`${base}/v1/jobs/x`);
    expect([unsendable.status, await unsendable.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    reply = () => ({ statusCode: 201, isBase64Encoded: true, body: 'AP8B', headers: { 'retry-after': 2 } });
    const binary = await fetch(`${base}/v1/jobs/x`);
    expect(binary.status).toBe(201);
    expect(binary.headers.get('retry-after')).toBe('2');
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0, 255, 1]);
  });

  it('adds CORS headers for the local web origins only, and answers preflights 204 without a length', async () => {
    reply = () => ({ statusCode: 200, body: '{}' });
    const allowed = await fetch(`${base}/v1/jobs/x`, { headers: { origin: 'http://localhost:5173' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('retry-after,location');
    const other = await fetch(`${base}/v1/jobs/x`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/v1/uploads`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('content-length')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST,DELETE,OPTIONS');
  });
});
