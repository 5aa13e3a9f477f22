/**
 * One real esbuild bundle, built the way every zip function of the stack is (infra/lib/bundling.ts: local esbuild,
 * ESM with code splitting, createRequire banner, manifest copied next to the handler), then loaded and invoked in a
 * fresh Node process, outside the repository.
 * The stack tests skip bundling for speed; this proves the bundling settings produce code that runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeFunction } from '../../infra/lib/bundling.ts';
import { FIXTURE_MODEL_MANIFEST, REPO_ROOT } from '../../infra/lib/config.ts';
import { CDK_CONTEXT } from './synth.ts';

let bundleDir: string;
let outdir: string;

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

beforeAll(() => {
  outdir = mkdtempSync(path.join(os.tmpdir(), 'realtone-bundle-'));
  const app = new App({ outdir, context: CDK_CONTEXT });
  const stack = new Stack(app, 'BundleProbe');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1 });
  runtimeFunction(stack, 'Health', {
    entry: 'functions/api/handlers/health.ts',
    description: 'bundle probe',
    role: new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })],
    environment: {},
    logGroup: new logs.LogGroup(stack, 'Logs'),
    copyManifest: FIXTURE_MODEL_MANIFEST,
  });
  app.synth();
  const dirs = readdirSync(outdir)
    .filter((d) => d.startsWith('asset.'))
    .map((d) => path.join(outdir, d));
  bundleDir = dirs.find((d) => existsSync(path.join(d, 'index.mjs')))!;
}, 120_000);

describe('esbuild bundle of an API handler', () => {
  it('is ESM with a source map, lazy chunks and the model manifest beside it', () => {
    expect(bundleDir).toBeDefined();
    expect(readdirSync(bundleDir).sort()).toEqual(['chunks', 'index.mjs', 'index.mjs.map', 'model.json']);
    // What the handler imports on demand (the Secrets Manager client, the Prometheus client) is split off.
    expect(
      readdirSync(path.join(bundleDir, 'chunks')).filter((f) => f.endsWith('.mjs')).length,
    ).toBeGreaterThan(0);
    expect(readFileSync(path.join(bundleDir, 'model.json'), 'utf8')).toBe(
      readFileSync(path.join(REPO_ROOT, FIXTURE_MODEL_MANIFEST), 'utf8'),
    );
    const code = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    expect(code.startsWith('import { createRequire as __rtCreateRequire }')).toBe(true);
    // The AWS SDK is bundled rather than taken from the runtime, in a chunk read only where secrets are fetched.
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code).toMatch(/import\("\.\/chunks\/[\w-]+\.mjs"\)/);
  });

  it('loads outside the repository and answers GET /v1/health', () => {
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      UPLOAD_BUCKET: 'realtone-uploads',
      JOBS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/jobs',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      CACHE_DRIVER: 'memory',
      JWT_SECRET: 'x'.repeat(48),
      IDEMPOTENCY_TABLE: 'idempotency',
      MODEL_MANIFEST: path.join(bundleDir, 'model.json'),
      LOG_LEVEL: 'ERROR',
    };
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(bundleDir, 'index.mjs'))});
      const res = await handler({ rawPath: '/v1/health', requestContext: { http: { method: 'GET' } }, headers: {} }, {});
      process.stdout.write(JSON.stringify(res));
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: os.tmpdir(),
      env,
      timeout: 30_000,
    }).toString();
    const res = JSON.parse(out) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok' });
  });
});
