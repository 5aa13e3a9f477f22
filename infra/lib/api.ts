import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDef } from '../../functions/api/routes.ts';
import { runtimeFunction } from './bundling.ts';

export interface ApiProps {
  /** One function and one HTTP API route each (deployedRoutes). */
  routes: readonly RouteDef[];
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  securityGroup: ec2.ISecurityGroup;
  environment: Record<string, string>;
  /** Added to the environment of the routes that seal webhook secrets (RouteDef.webhookSecrets): the key's ARN. */
  webhookSecretsEnvironment: Record<string, string>;
  webOrigins: string[];
  memoryMb: number;
  throttleRate: number;
  throttleBurst: number;
  logRetention: logs.RetentionDays;
  /** Manifest copied into each bundle as /var/task/model.json. */
  modelManifest: string;
}

/** The route that issues stream tickets: deployed only with the streaming service it hands out. */
export const STREAM_TICKET_HANDLER = 'stream-tickets-create';

/** The routes of functions/api/routes.ts this deployment serves. */
export function deployedRoutes(streaming: boolean): readonly RouteDef[] {
  return ROUTES.filter((route) => streaming || route.handler !== STREAM_TICKET_HANDLER);
}

const METHODS = {
  GET: apigw.HttpMethod.GET,
  POST: apigw.HttpMethod.POST,
  DELETE: apigw.HttpMethod.DELETE,
} as const;

/**
 * The HTTP API: one esbuild-bundled function per deployed route of functions/api/routes.ts, throttled on the
 * default stage, with JSON access logs. The functions share one execution role (they need the same rights, granted
 * by the stack), except the routes that seal webhook secrets: they have a second role, with the same rights and the
 * webhook secret key, so that no other route may read the key. Authentication is the API's own JWT, checked in the
 * handlers (see the AwsSolutions-APIG4 acknowledgement).
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The role of every route but those that seal webhook secrets. */
  readonly role: iam.Role;
  /** The role of the routes that seal webhook secrets (create, rotate). */
  readonly webhookSecretsRole: iam.Role;
  readonly functions: lambda.Function[] = [];
  readonly logGroups: logs.LogGroup[] = [];

  /** Both roles: every API right is granted to each. */
  get roles(): iam.Role[] {
    return [this.role, this.webhookSecretsRole];
  }

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const functionRole = (rid: string, description: string) =>
      new iam.Role(this, rid, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description,
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
        ],
      });
    this.role = functionRole('FunctionRole', 'RealTone API functions');
    this.webhookSecretsRole = functionRole(
      'WebhookSecretsRole',
      'RealTone API functions that seal webhook signing secrets (create, rotate)',
    );

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'RealTone API',
      createDefaultStage: false,
      corsPreflight: props.webOrigins.length
        ? {
            allowOrigins: props.webOrigins,
            allowMethods: [
              apigw.CorsHttpMethod.GET,
              apigw.CorsHttpMethod.POST,
              apigw.CorsHttpMethod.DELETE,
              apigw.CorsHttpMethod.OPTIONS,
            ],
            allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    for (const route of props.routes) {
      const role = route.webhookSecrets ? this.webhookSecretsRole : this.role;
      const logGroup = new logs.LogGroup(this, `${route.handler}-logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      logGroup.grantWrite(role);
      const fn = runtimeFunction(this, `fn-${route.handler}`, {
        entry: `functions/api/handlers/${route.handler}.ts`,
        description: `RealTone API ${route.method} ${route.path}`,
        role,
        vpc: props.vpc,
        vpcSubnets: props.subnets,
        securityGroups: [props.securityGroup],
        environment: {
          POWERTOOLS_SERVICE_NAME: 'realtone-api',
          ...props.environment,
          ...(route.webhookSecrets ? props.webhookSecretsEnvironment : {}),
        },
        logGroup,
        memorySize: props.memoryMb,
        timeout: Duration.seconds(15),
        copyManifest: props.modelManifest,
      });
      this.httpApi.addRoutes({
        path: route.path,
        methods: [METHODS[route.method]],
        integration: new HttpLambdaIntegration(`${route.handler}-integration`, fn),
      });
      this.functions.push(fn);
      this.logGroups.push(logGroup);
    }

    new CfnOutput(scope, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the RealTone API' });

    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Routes authenticate with the API’s own HS256 JWT (issued by /v1/auth/login) inside the handlers; ' +
        'register, login and health are public by design. An API Gateway JWT authorizer needs an OIDC issuer.',
    });
    for (const role of this.roles)
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'The AWS managed policy grants exactly the ENI actions Lambda needs to attach to the VPC; those EC2 ' +
          'actions cannot be scoped to resources.',
      });
  }
}
