import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IgnoreMode } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { REPO_ROOT, type RealToneConfig } from './config.ts';

export const DOCKERFILE = 'functions/worker/Dockerfile';

/**
 * Where the image keeps the entry-point bundles (scripts/bundle.mjs, built in the Dockerfile's `bundles` stage): three
 * levels below /app, as in a checkout, so the bundled code finds the project root (models) the same way.
 */
export const IMAGE_BUNDLE_DIR = '.local/bundles/current';

/** The detector image's commands: bundled JavaScript, no TypeScript transpiling at start-up. */
export const CONTAINER_COMMANDS = {
  worker: ['node', `${IMAGE_BUNDLE_DIR}/container.mjs`],
  health: ['node', `${IMAGE_BUNDLE_DIR}/health.mjs`],
  stream: ['node', `${IMAGE_BUNDLE_DIR}/stream.mjs`],
  grpc: ['node', `${IMAGE_BUNDLE_DIR}/grpc.mjs`],
} as const;

/**
 * BuildKit reads functions/worker/Dockerfile.dockerignore for this Dockerfile; CDK only looks for a .dockerignore at
 * the context root, so the same patterns are handed to the asset explicitly. That keeps the staged build context
 * (and the asset hash) down to what the image copies.
 */
export function dockerignorePatterns(): string[] {
  return readFileSync(path.join(REPO_ROOT, `${DOCKERFILE}.dockerignore`), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * Asset options for one target of the detector's Dockerfile (build context: the repository root): `gpu` (ECS on
 * GPU instances: the file worker, and the streaming service in GPU mode), `cpu` (the streaming service on Fargate),
 * `lambda` (the CPU file worker).
 */
export function detectorImageProps(
  config: Pick<RealToneConfig, 'modelManifest'>,
  target: 'gpu' | 'cpu' | 'lambda',
) {
  return {
    file: DOCKERFILE,
    target,
    platform: Platform.LINUX_AMD64,
    buildArgs: { MODEL_DIR: path.posix.dirname(config.modelManifest) },
    exclude: dockerignorePatterns(),
    ignoreMode: IgnoreMode.DOCKER,
  };
}
