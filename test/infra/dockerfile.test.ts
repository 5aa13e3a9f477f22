/**
 * The worker image cannot be built on these machines (no Docker); its Dockerfile and build context are checked
 * against what the stack and the runtime expect instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_MODEL_MANIFEST, REPO_ROOT } from '../../infra/lib/config.ts';
import {
  CONTAINER_COMMANDS,
  DOCKERFILE,
  dockerignorePatterns,
  IMAGE_BUNDLE_DIR,
} from '../../infra/lib/detector-image.ts';

const dockerfile = readFileSync(path.join(REPO_ROOT, DOCKERFILE), 'utf8');
const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({
  image: m[1]!,
  name: m[2],
}));

describe('worker Dockerfile', () => {
  it('has a gpu target on a CUDA + cuDNN runtime and a lambda target on the Lambda Node.js 22 base image', () => {
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['gpu', 'lambda']));
    expect(dockerfile).toMatch(/ARG CUDA_IMAGE=nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/);
    expect(dockerfile).toMatch(/ARG LAMBDA_IMAGE=public\.ecr\.aws\/lambda\/nodejs:22/);
  });

  it('installs onnxruntime-node with its CUDA provider for the GPU image and fails the build without it', () => {
    expect(dockerfile).toContain('ENV ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(dockerfile).toMatch(/test -f "\$ort\/linux\/x64\/libonnxruntime_providers_cuda\.so"/);
    // npm 12 skips the install script that package.json's allowScripts denies: the GPU stage then runs it itself.
    expect(dockerfile).toContain(
      '{ test -f "$ort/linux/x64/libonnxruntime_providers_cuda.so" || node node_modules/onnxruntime-node/script/install.js; }',
    );
    expect(dockerfile).toContain('ENV ONNXRUNTIME_NODE_INSTALL=skip');
    // The install script's flags it reads (so the Dockerfile and onnxruntime-node agree).
    const install = readFileSync(
      path.join(REPO_ROOT, 'node_modules/onnxruntime-node/script/install-utils.js'),
      'utf8',
    );
    expect(install).toContain('process.env.ONNXRUNTIME_NODE_INSTALL');
  });

  it('starts the worker the way the task definition expects, from the bundles, with a health check and SIGTERM', () => {
    expect(dockerfile).toContain(
      `CMD ${JSON.stringify(CONTAINER_COMMANDS.worker)}`.replaceAll('","', '", "'),
    );
    expect(dockerfile).toMatch(
      /HEALTHCHECK[^\n]*\n\s+CMD \["node", "\.local\/bundles\/current\/health\.mjs"\]/,
    );
    expect(dockerfile).toContain('STOPSIGNAL SIGTERM');
    expect(dockerfile).toContain('CMD ["lambda.handler"]');
    expect(dockerfile).toContain(`export { handler } from './${IMAGE_BUNDLE_DIR}/lambda-worker.mjs';`);
    expect(dockerfile).not.toContain('tsx');
    for (const file of ['container.ts', 'health.ts', 'health-check.ts', 'lambda-handler.ts', 'main.ts'])
      expect(existsSync(path.join(REPO_ROOT, 'functions/worker', file)), file).toBe(true);
  });

  it('builds the entry-point bundles the commands run in a stage of its own, into the app layer', () => {
    const bundles = dockerfile.slice(dockerfile.indexOf(' AS bundles'), dockerfile.indexOf(' AS app'));
    expect(bundles).toContain('RUN npm ci --no-audit --no-fund --ignore-scripts');
    expect(bundles).toContain('COPY scripts/bundle.mjs scripts/bundle-state.mjs ./scripts/');
    expect(bundles).toContain('RUN node scripts/bundle.mjs');
    expect(dockerfile).toContain(`COPY --from=bundles /bundles/ /app/${IMAGE_BUNDLE_DIR}/`);
    // Three levels below the root, as .local/bundles/<hash>/ in a checkout (functions/shared/config.ts).
    expect(IMAGE_BUNDLE_DIR.split('/')).toHaveLength(3);
    const built = readFileSync(path.join(REPO_ROOT, 'scripts/bundle.mjs'), 'utf8');
    for (const entry of [
      'cli',
      'container',
      'health',
      'stream',
      'lambda-worker',
      'ingest-thread-boot',
      'detector-thread-boot',
    ])
      expect(built, entry).toMatch(new RegExp(`'?${entry}'?: 'functions/`));
  });

  it('has a cpu target for the streaming service on Fargate: plain Node.js, CPU-only dependencies, non-root', () => {
    const cpu = dockerfile.slice(dockerfile.indexOf('FROM node AS cpu'), dockerfile.indexOf(' AS lambda'));
    expect(stages.find((s) => s.name === 'cpu')?.image).toBe('node');
    expect(cpu).toContain('COPY --from=deps-cpu /app/node_modules ./node_modules');
    expect(cpu).toContain('COPY --from=app /app/ ./');
    expect(cpu).toContain('INFERENCE_DEVICE=cpu');
    expect(cpu).toContain('USER 1000:1000');
    expect(cpu).toContain('CMD ["node", ".local/bundles/current/stream.mjs"]');
    expect(existsSync(path.join(REPO_ROOT, 'functions/stream/main.ts'))).toBe(true);
    // lambda stays the last stage: a plain `docker build` still builds what it built before.
    expect(stages.at(-1)?.name).toBe('lambda');
  });

  it('bakes the model directory chosen at build time into every target', () => {
    expect(dockerfile).toMatch(/^ARG MODEL_DIR=models\/realtone-wavlm-small$/m);
    expect(dockerfile).toContain('COPY ${MODEL_DIR}/ /app/${MODEL_DIR}/');
    expect(existsSync(path.join(REPO_ROOT, FIXTURE_MODEL_MANIFEST))).toBe(true);
  });
});

describe('gRPC in the image', () => {
  it('copies the .proto files the gRPC server loads, and exposes its port on the cpu target', () => {
    expect(dockerfile).toContain('COPY proto/ /app/proto/');
    expect(dockerignorePatterns()).toContain('!proto/');
    for (const file of [
      'proto/audio_analyzer.proto',
      'proto/realtone/v1/detector.proto',
      'functions/grpc/main.ts',
    ])
      expect(existsSync(path.join(REPO_ROOT, file)), file).toBe(true);
    expect(dockerfile).toMatch(/^EXPOSE 8080 50052$/m);
  });
});

describe('build context (Dockerfile.dockerignore)', () => {
  const patterns = dockerignorePatterns();

  it('is an allow-list: everything is excluded, then what the image copies is let back in', () => {
    expect(patterns[0]).toBe('*');
    for (const needed of [
      '!package.json',
      '!package-lock.json',
      '!tsconfig.json',
      '!functions/',
      '!scripts/bundle.mjs',
      '!scripts/bundle-state.mjs',
      '!models/',
      '!test/fixtures/models/',
    ])
      expect(patterns).toContain(needed);
  });

  it('keeps training caches and the Dockerfile’s own inputs straight', () => {
    expect(patterns).toEqual(expect.arrayContaining(['models/.cache/', 'models/training/']));
    // CDK stages the context and builds with --file inside it, so the Dockerfile itself must stay in.
    expect(patterns).not.toContain('functions/worker/Dockerfile');
  });
});
