/**
 * Task scale-in protection against a stand-in for the ECS agent endpoint (a local HTTP server that records the
 * requests and answers like the agent does).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  setTaskProtection,
  TaskProtection,
  withTaskProtection,
} from '../../../functions/worker/task-protection.ts';

const requests: {
  method?: string;
  url?: string;
  body: { ProtectionEnabled: boolean; ExpiresInMinutes?: number };
}[] = [];
let reply: (res: http.ServerResponse) => void;
let server: http.Server;
let agentUri: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, body: JSON.parse(body || '{}') });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agentUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/task-id`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
  reply = (res) => {
    const last = requests[requests.length - 1]!;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({ protection: { ProtectionEnabled: last.body.ProtectionEnabled, TaskArn: 'arn:task' } }),
    );
  };
});

describe('setTaskProtection', () => {
  it('PUTs the state to $ECS_AGENT_URI/task-protection/v1/state', async () => {
    expect(await setTaskProtection(true, { agentUri, expiresInMinutes: 30 })).toBe(true);
    expect(await setTaskProtection(false, { agentUri })).toBe(true);
    expect(requests).toEqual([
      {
        method: 'PUT',
        url: '/api/task-id/task-protection/v1/state',
        body: { ProtectionEnabled: true, ExpiresInMinutes: 30 },
      },
      { method: 'PUT', url: '/api/task-id/task-protection/v1/state', body: { ProtectionEnabled: false } },
    ]);
  });

  it('is a no-op outside ECS', async () => {
    const saved = process.env.ECS_AGENT_URI;
    delete process.env.ECS_AGENT_URI;
    try {
      expect(await setTaskProtection(true)).toBe(false);
    } finally {
      if (saved !== undefined) process.env.ECS_AGENT_URI = saved;
    }
    expect(requests).toEqual([]);
  });

  it('throws with the agent’s reason when ECS refuses', async () => {
    reply = (res) => res.end(JSON.stringify({ failure: { Arn: 'arn:task', Reason: 'TASK_NOT_VALID' } }));
    await expect(setTaskProtection(true, { agentUri })).rejects.toThrow(/TASK_NOT_VALID/);
    reply = (res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: { Code: 'AccessDeniedException', Message: 'not authorized' } }));
    };
    await expect(setTaskProtection(true, { agentUri })).rejects.toThrow(/HTTP 400: not authorized/);
  });
});

describe('withTaskProtection', () => {
  it('protects the task while any job runs and clears protection after the last one', async () => {
    const protection = new TaskProtection({ agentUri });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = withTaskProtection(async (key: string) => {
      await gate;
      return key.toUpperCase();
    }, protection);
    const a = job('a');
    const b = job('b');
    await new Promise((r) => setTimeout(r, 50));
    expect(protection.holders).toBe(2);
    release();
    expect(await Promise.all([a, b])).toEqual(['A', 'B']);
    expect(protection.holders).toBe(0);
    expect(requests.map((r) => r.body.ProtectionEnabled)).toEqual([true, false]);
  });

  it('clears protection when the job throws, and never fails a job because the agent is down', async () => {
    reply = (res) => {
      res.statusCode = 500;
      res.end('agent restarting');
    };
    const job = withTaskProtection(async () => {
      throw new Error('decode failed');
    }, new TaskProtection({ agentUri }));
    await expect(job()).rejects.toThrow('decode failed');
    expect(requests.map((r) => r.body.ProtectionEnabled)).toEqual([true, false]);
    const ok = withTaskProtection(async () => 'done', new TaskProtection({ agentUri }));
    await expect(ok()).resolves.toBe('done');
  });
});
