/**
 * Security properties of the API on the local stack (real Postgres and Redis): per-user isolation on read and
 * delete, token validation, declared-size and type limits, object-key sanitising, inert SQL injection, login
 * throttling, and no secrets in logs.
 */
import http from 'node:http';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { validateResponse } from '../support/openapi-validator.ts';

const SECRET = 'security-test-secret-that-is-long-enough-1234567890';
const PASSWORD = 'Tr0ub4dor&3-horse-battery';
let stack: StackProcess;
let owner: ApiClient;
let jobId: string;

beforeAll(async () => {
  stack = await startStackProcess({
    MODEL_MANIFEST: 'test/fixtures/models/energy-fixture/model.json',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `${inject('redisPrefix')}security:`,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'DEBUG',
    MAX_UPLOAD_BYTES: String(10 * 1024 * 1024),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    LOGIN_MAX_PER_SOURCE_PER_MINUTE: '25',
  });
  owner = new ApiClient(stack.api, validateResponse);
  await owner.signUp(undefined, PASSWORD);
  jobId = (await owner.requestUpload('a.wav', 'audio/wav', 1000)).job_id;
});

afterAll(async () => {
  await stack?.stop();
});

describe('isolation', () => {
  it("answers 404 for another user's job on read and delete, and leaves it intact", async () => {
    const intruder = new ApiClient(stack.api, validateResponse);
    await intruder.signUp();
    for (const method of ['GET', 'DELETE']) {
      const res = await intruder.call(method, `/v1/jobs/${jobId}`);
      expect(res.status).toBe(404);
      expect(res.json.code).toBe('not_found');
    }
    expect((await intruder.call('GET', '/v1/jobs')).json.items).toEqual([]);
    expect((await owner.call('GET', `/v1/jobs/${jobId}`)).status).toBe(200);
  });
});

describe('tokens', () => {
  const sub = () => (jwt.decode(owner.token!) as jwt.JwtPayload).sub!;
  const variants: [string, () => string][] = [
    ['missing', () => ''],
    [
      'tampered',
      () => {
        const [h, p, s] = owner.token!.split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.sub = '00000000-0000-4000-8000-000000000000';
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      },
    ],
    [
      'expired',
      () =>
        jwt.sign({ exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, {
          algorithm: 'HS256',
          subject: sub(),
          issuer: 'realtone',
          audience: 'realtone-api',
        }),
    ],
    [
      'alg none',
      () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: sub(), iss: 'realtone', aud: 'realtone-api', exp: 9999999999 })).toString('base64url')}.`,
    ],
    [
      'wrong key',
      () =>
        jwt.sign({}, 'another-secret-another-secret-another-secret', {
          algorithm: 'HS256',
          subject: sub(),
          issuer: 'realtone',
          audience: 'realtone-api',
          expiresIn: 600,
        }),
    ],
    [
      'wrong audience',
      () =>
        jwt.sign({}, SECRET, {
          algorithm: 'HS256',
          subject: sub(),
          issuer: 'realtone',
          audience: 'someone-else',
          expiresIn: 600,
        }),
    ],
    [
      'HS512',
      () =>
        jwt.sign({}, SECRET, {
          algorithm: 'HS512',
          subject: sub(),
          issuer: 'realtone',
          audience: 'realtone-api',
          expiresIn: 600,
        }),
    ],
  ];
  it.each(variants)('rejects a %s token with 401', async (_name, make) => {
    const c = new ApiClient(stack.api, validateResponse);
    c.token = make() || undefined;
    const res = await c.call('GET', `/v1/jobs/${jobId}`);
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('unauthorized');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('upload requests', () => {
  it('refuses an oversized declared size with 413 and an unsupported type with 415, before any URL', async () => {
    const big = await owner.call('POST', '/v1/uploads', {
      filename: 'a.wav',
      content_type: 'audio/wav',
      size_bytes: 10 * 1024 * 1024 + 1,
    });
    expect(big.status).toBe(413);
    expect(big.json.code).toBe('too_large');
    expect(big.json.upload).toBeUndefined();
    const pdf = await owner.call('POST', '/v1/uploads', {
      filename: 'a.pdf',
      content_type: 'application/pdf',
      size_bytes: 100,
    });
    expect(pdf.status).toBe(415);
    expect(pdf.json.code).toBe('unsupported_format');
  });

  it.each([
    ['../../etc/passwd.wav', 'passwd.wav'],
    ['..\\..\\windows\\system.ini', 'system.ini'],
    ['Ünïcødé 音声 file.wav', 'Unic_de_file.wav'],
    ['音声.wav', 'audio.wav'],
    ["x'); DROP TABLE users; --.wav", 'x_DROP_TABLE_users.wav'],
    ['.hidden', 'hidden'],
    ['\u202Egnp.wav', 'gnp.wav'],
  ])('sanitises the filename %j in the object key', async (filename, expected) => {
    const res = await owner.call('POST', '/v1/uploads', {
      filename,
      content_type: 'audio/wav',
      size_bytes: 100,
    });
    expect(res.status).toBe(201);
    const key: string = res.json.upload.fields.key;
    expect(key).toMatch(/^uploads\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/[A-Za-z0-9._-]+$/);
    expect(key.endsWith(`/${expected}`)).toBe(true);
    // The original name is kept as data, not as a path.
    expect((await owner.call('GET', `/v1/jobs/${res.json.job_id}`)).json.filename).toBe(filename);
  });
});

describe('SQL injection', () => {
  it('stays inert in bodies, paths and query strings', async () => {
    const c = new ApiClient(stack.api, validateResponse);
    expect(
      (await c.call('POST', '/v1/auth/login', { email: "' OR 1=1 --", password: "' OR '1'='1' --" })).status,
    ).toBe(400);
    expect(
      (await c.call('POST', '/v1/auth/login', { email: "admin'--@example.com", password: "' OR '1'='1' --" }))
        .status,
    ).toBe(401);
    expect((await owner.call('GET', `/v1/jobs/${encodeURIComponent("1' OR '1'='1")}`)).status).toBe(404);
    expect(
      (await owner.call('GET', `/v1/jobs?status=${encodeURIComponent("completed' OR '1'='1")}`)).status,
    ).toBe(400);
    const cursor = Buffer.from(JSON.stringify(["2020-01-01' OR 1=1 --", jobId])).toString('base64url');
    expect((await owner.call('GET', `/v1/jobs?cursor=${cursor}`)).json.code).toBe('invalid_cursor');
    // The users table survived the DROP TABLE filename above, and the owner still sees exactly their jobs.
    const list = await owner.call('GET', '/v1/jobs?limit=100');
    expect(list.status).toBe(200);
    expect(list.json.items.length).toBeGreaterThanOrEqual(8);
  });
});

describe('login throttling', () => {
  it('locks an account after repeated failures, then even the right password gets 429 with Retry-After', async () => {
    const c = new ApiClient(stack.api, validateResponse);
    const email = await c.signUp(undefined, PASSWORD);
    for (let i = 0; i < 3; i++)
      expect((await c.call('POST', '/v1/auth/login', { email, password: 'wrong password!' })).status).toBe(
        401,
      );
    const locked = await c.call('POST', '/v1/auth/login', { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.json.code).toBe('too_many_attempts');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits attempts per source address', async () => {
    // A second loopback address is a second source; its budget (25/min here) runs out while 127.0.0.1's does not.
    const statuses: number[] = [];
    for (let i = 0; i < 28; i++) statuses.push(await loginFrom('127.0.0.2', `nobody${i}@example.com`));
    expect(statuses.slice(0, 25).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(25)).toEqual([429, 429, 429]);
    expect(await loginFrom('127.0.0.1', 'nobody@example.com')).toBe(401);
  }, 120_000);
});

function loginFrom(localAddress: string, email: string): Promise<number> {
  const url = new URL('/v1/auth/login', stack.api);
  const body = JSON.stringify({ email, password: 'irrelevant-password' });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('logs', () => {
  it('never contain passwords or tokens', () => {
    const logs = stack.output();
    expect(logs.length).toBeGreaterThan(1000); // DEBUG logging was on and requests were logged
    expect(logs).toContain('POST /v1/auth/login');
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(owner.token!);
    expect(logs).not.toContain(owner.token!.split('.')[2]!); // not even the signature
    expect(logs).not.toContain(SECRET);
  });
});
