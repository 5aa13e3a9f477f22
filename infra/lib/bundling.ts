import { existsSync } from 'node:fs';
import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { REPO_ROOT } from './config.ts';

/** Runtime of every zip-packaged function (the issue fixes nodejs22.x). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** Where the API functions find the bundled model manifest (copied next to index.mjs). */
export const BUNDLED_MANIFEST_PATH = '/var/task/model.json';

/**
 * esbuild settings shared by the zip functions. ESM output (the code uses top-level await and import.meta), module
 * before main so ESM builds of dependencies win, and a `require` for the CommonJS dependencies (pg, jsonwebtoken)
 * that call it at run time. Bundling runs locally with the esbuild in node_modules, never in Docker, so synthesis
 * works offline. The AWS SDK is bundled: the pinned versions ship instead of whatever the runtime carries, and
 * @aws-sdk/s3-presigned-post is not in the runtime at all.
 */
export function bundlingOptions(extra: { copyManifest?: string } = {}): BundlingOptions {
  const manifest = extra.copyManifest ? path.join(REPO_ROOT, extra.copyManifest) : undefined;
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    platform: 'node',
    mainFields: ['module', 'main'],
    banner:
      "import { createRequire as __rtCreateRequire } from 'node:module'; const require = __rtCreateRequire(import.meta.url);",
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    externalModules: ['pg-native'],
    forceDockerBundling: false,
    ...(manifest && existsSync(manifest)
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_input: string, output: string) => [
              `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" "${manifest}" "${path.join(output, 'model.json')}"`,
            ],
          },
        }
      : {}),
  };
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
export function runtimeFunction(scope: Construct, id: string, props: RuntimeFunctionProps): NodejsFunction {
  const fn = new NodejsFunction(scope, id, {
    entry: path.join(REPO_ROOT, props.entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
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
    bundling: bundlingOptions({ copyManifest: props.copyManifest }),
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is the runtime this project targets and tests (issue 6); it is supported by Lambda. Moving to ' +
      'a newer runtime is a deliberate upgrade (NODE_RUNTIME in infra/lib/bundling.ts).',
  });
  return fn;
}
