/**
 * Synthesises the RealTone app the way `cdk synth` does (same cdk.json context, same buildApp), offline, into a
 * temporary directory. Lambda bundling is skipped unless asked for (CDK's own `aws:cdk:bundling-stacks` switch):
 * bundling.test.ts proves one real esbuild bundle; every other test needs only the template.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App, CfnResource } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/lib/app.ts';
import { FIXTURE_MODEL_MANIFEST, REPO_ROOT } from '../../infra/lib/config.ts';
import type { RealToneStack } from '../../infra/lib/stack.ts';

export const CDK_CONTEXT = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Context most tests deploy with: a web origin, and the fixture model (present in every checkout). */
export const BASE_CONTEXT = {
  webOrigins: 'https://app.example.com,http://localhost:5173',
  modelManifest: FIXTURE_MODEL_MANIFEST,
};

/** What turns the streaming service on: its public host name and an ACM certificate for it. */
export const STREAM_CONTEXT = {
  streamDomain: 'stream.example.com',
  streamCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f3b8e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
};

export interface Synthesized {
  app: App;
  stack: RealToneStack;
  template: Template;
  outdir: string;
}

const outdirs: string[] = [];

/** Removes every cloud assembly this test file synthesised (call from afterAll). */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function synth(
  context: Record<string, unknown>,
  options: { bundle?: boolean; cloudFormationValidation?: boolean } = {},
): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'realtone-cdk-'));
  outdirs.push(outdir);
  const { app, stack } = buildApp({
    outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    context: {
      ...CDK_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...context,
    },
  });
  return { app, stack, template: Template.fromStack(stack), outdir };
}

/** cdk-nag AwsSolutions findings that no acknowledgement covers. */
export function unacknowledgedFindings(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? '?'}`),
  );
}

/** Every acknowledgement recorded in the tree: rule id → reasons (one per construct that acknowledges it). */
export function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>))
        out.push({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason: typeof reason === 'string' ? reason : JSON.stringify(reason),
        });
    }
  }
  return out;
}

/** Logical id of a construct's CloudFormation resource, for Ref/GetAtt matching. */
export function logicalId(synthesized: Synthesized, construct: IConstruct): string {
  const resource = (construct.node.defaultChild as CfnResource | undefined) ?? (construct as CfnResource);
  return synthesized.stack.resolve(synthesized.stack.getLogicalId(resource)) as string;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string };

/** The statements of every AWS::IAM::Policy attached to the given role (by logical id). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement): unknown[] =>
  Array.isArray(s.Resource) ? s.Resource : [s.Resource];

/** The env vars of an ECS container (the first task definition, or the one with this logical id) as a map. */
export function ecsEnvironment(template: Template, taskDefinitionId?: string): Record<string, unknown> {
  const taskDefs = template.findResources('AWS::ECS::TaskDefinition');
  const taskDef = taskDefinitionId ? taskDefs[taskDefinitionId] : Object.values(taskDefs)[0];
  const container = taskDef!.Properties.ContainerDefinitions[0] as {
    Environment: { Name: string; Value: unknown }[];
  };
  return Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
}
