import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as triggers from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { runtimeFunction } from './bundling.ts';
import { DATABASE_NAME, type Data } from './data.ts';

export interface SchemaMigrationProps {
  data: Data;
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  logRetention: logs.RetentionDays;
  /** Everything that must not run new code before the schema is migrated: API functions and the detector. */
  executeBefore: Construct[];
}

/**
 * Schema migrations run before the new API and detector code goes live, on every deploy that changes them (the
 * migrations are bundled into the handler, so a new migration is a new handler version). Built directly in the
 * stack's scope so the resources keep their logical IDs.
 */
export function addSchemaMigration(stack: Stack, props: SchemaMigrationProps): lambda.Function {
  const { data } = props;
  const role = new iam.Role(stack, 'MigrateRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'RealTone schema migration on deploy',
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    ],
  });
  data.databaseSecret.grantRead(role);
  const logGroup = new logs.LogGroup(stack, 'MigrateLogs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  logGroup.grantWrite(role);
  const fn = runtimeFunction(stack, 'MigrateFunction', {
    entry: 'functions/worker/migrate-handler.ts',
    description: 'RealTone: apply Postgres schema migrations (CDK trigger)',
    role,
    vpc: props.vpc,
    vpcSubnets: props.subnets,
    securityGroups: [props.securityGroup],
    environment: {
      DATABASE_SECRET_ARN: data.databaseSecret.secretArn,
      DATABASE_HOST: data.proxy.endpoint,
      DATABASE_NAME,
      DATABASE_SSL: 'require',
      DATABASE_POOL_MAX: '1',
      POWERTOOLS_SERVICE_NAME: 'realtone-migrate',
    },
    logGroup,
    timeout: Duration.minutes(5),
    memorySize: 256,
  });
  new triggers.Trigger(stack, 'MigrateOnDeploy', {
    handler: fn,
    executeAfter: [data.database, data.proxy],
    executeBefore: props.executeBefore,
    executeOnHandlerChange: true,
    timeout: Duration.minutes(5),
  });
  return fn;
}
