import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, Duration, Validations, type ILocalBundling } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from './config.ts';

/** Runtime of every zip-packaged function (the issue fixes nodejs22.x). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Where the API functions find the bundled model manifest (copied next to index.mjs). */
export const BUNDLED_MANIFEST_PATH = '/var/task/model.json';

/**
 * esbuild settings of the zip functions: ESM (the code uses top-level await and import.meta), module before main so
 * ESM builds of dependencies win, and a `require` for the CommonJS dependencies (pg, jsonwebtoken) that call it at
 * run time. The AWS SDK is bundled: the pinned versions ship instead of whatever the runtime carries, and
 * @aws-sdk/s3-presigned-post is not in the runtime at all.
 *
 * Code splitting: what a function imports dynamically (the S3 adapter on first use, the Secrets Manager client
 * where secret ARNs are set, the idempotency layer, the SDK's credential providers) lands in chunks/ beside
 * index.mjs and is read only when used, so a cold start parses only the code its first request runs
 * (`npm run bench:cold-start`: docs/performance.md#cold-start). Chunks are per function, never shared.
 */
export function lambdaBuildOptions(entry: string, outdir: string): esbuild.BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: { index: path.join(REPO_ROOT, entry) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    target: 'node22',
    platform: 'node',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __rtCreateRequire } from 'node:module'; const require = __rtCreateRequire(import.meta.url);",
    },
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['pg-native'],
    logLevel: 'error',
  };
}

/** Builds one function's bundle into `outdir` (and copies the model manifest beside it, where asked). */
export function buildLambdaBundle(entry: string, outdir: string, copyManifest?: string): void {
  esbuild.buildSync(lambdaBuildOptions(entry, outdir));
  const manifest = copyManifest ? path.join(REPO_ROOT, copyManifest) : undefined;
  if (manifest && existsSync(manifest)) copyFileSync(manifest, path.join(outdir, 'model.json'));
}

/**
 * Bundling runs locally with the esbuild in node_modules, never in Docker, so synthesis works offline. The fields
 * name the function's entry, so two functions never share a staged asset (CDK keys its asset cache on them).
 */
class LocalEsbuild implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly copyManifest: string | undefined,
  ) {}

  tryBundle(outputDir: string): boolean {
    buildLambdaBundle(this.entry, outputDir, this.copyManifest);
    return true;
  }
}

export interface RuntimeFunctionProps {
  entry: string;
  description: string;
  role: iam.IRole;
  vpc: ec2.IVpc;
  vpcSubnets: ec2.SubnetSelection;
  securityGroups: ec2.ISecurityGroup[];
  environment: Record<string, string>;
  logGroup: logs.ILogGroup;
  memorySize?: number;
  timeout?: Duration;
  copyManifest?: string;
}

/** One esbuild-bundled function in the VPC on nodejs22.x/arm64 (the API code is pure JavaScript). */
export function runtimeFunction(scope: Construct, id: string, props: RuntimeFunctionProps): lambda.Function {
  const fn = new lambda.Function(scope, id, {
    code: lambda.Code.fromAsset(REPO_ROOT, {
      // The hash of what was built, as NodejsFunction does: the repository itself is never fingerprinted.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('unused-local-bundling'),
        command: ['esbuild', props.entry],
        local: new LocalEsbuild(props.entry, props.copyManifest),
      },
    }),
    handler: 'index.handler',
    runtime: NODE_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    description: props.description,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.seconds(10),
    role: props.role,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.securityGroups,
    logGroup: props.logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is the runtime this project targets and tests (issue 6); it is supported by Lambda. Moving to ' +
      'a newer runtime is a deliberate upgrade (NODE_RUNTIME in infra/lib/bundling.ts).',
  });
  return fn;
}
