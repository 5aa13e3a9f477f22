import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { RealToneStack } from './stack.ts';

/**
 * Builds the CDK app: reads and validates the context, creates the stack, and registers cdk-nag's AWS Solutions
 * rules through CDK's Validations API, so `cdk synth` fails on any finding that is not acknowledged with a reason.
 * infra/bin/app.ts (the cdk.json entry) and the tests both go through here.
 */
export function buildApp(props: AppProps = {}): { app: App; stack: RealToneStack } {
  const app = new App(props);
  const config = readConfig(app.node);
  const stack = new RealToneStack(app, config.stackName, {
    config,
    description: `RealTone audio-deepfake detection backend (${config.detectorMode} detector)`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
