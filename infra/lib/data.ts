import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface DataProps {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  /** Security groups of everything that talks to Postgres and Redis (API functions, worker, migration). */
  clients: ec2.ISecurityGroup[];
  instanceClass: string;
  allocatedStorageGb: number;
  multiAz: boolean;
  deletionProtection: boolean;
  cacheNodeType: string;
}

export const DATABASE_NAME = 'realtone';
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;

/**
 * State: RDS Postgres behind RDS Proxy (connection pooling for many short-lived Lambda environments, TLS required,
 * credentials from the RDS-generated Secrets Manager secret), ElastiCache Valkey (Redis protocol) with TLS and an
 * AUTH token from Secrets Manager, and the DynamoDB idempotency table with TTL. Only the client security groups may
 * reach the database proxy and the cache; the database itself only accepts the proxy.
 */
export class Data extends Construct {
  readonly database: rds.DatabaseInstance;
  readonly proxy: rds.DatabaseProxy;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly cache: elasticache.CfnReplicationGroup;
  readonly cacheAuthSecret: secretsmanager.Secret;
  /** rediss://host:port (the AUTH token is added at run time from REDIS_AUTH_SECRET_ARN). */
  readonly redisUrl: string;
  readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const { vpc } = props;

    const dbSg = new ec2.SecurityGroup(this, 'DatabaseSg', {
      vpc,
      description: 'RealTone Postgres: only from RDS Proxy',
      allowAllOutbound: false,
    });
    const proxySg = new ec2.SecurityGroup(this, 'ProxySg', {
      vpc,
      description: 'RealTone RDS Proxy: only from the API functions and the worker',
      allowAllOutbound: false,
    });
    const cacheSg = new ec2.SecurityGroup(this, 'CacheSg', {
      vpc,
      description: 'RealTone Valkey: only from the API functions and the worker',
      allowAllOutbound: false,
    });

    this.database = new rds.DatabaseInstance(this, 'Postgres', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: new ec2.InstanceType(props.instanceClass),
      vpc,
      vpcSubnets: props.subnets,
      securityGroups: [dbSg],
      credentials: rds.Credentials.fromGeneratedSecret('realtone'),
      databaseName: DATABASE_NAME,
      port: POSTGRES_PORT,
      allocatedStorage: props.allocatedStorageGb,
      maxAllocatedStorage: props.allocatedStorageGb * 5,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: props.multiAz,
      deletionProtection: props.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backupRetention: Duration.days(7),
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      parameters: { 'rds.force_ssl': '1' },
    });
    this.databaseSecret = this.database.secret!;

    this.proxy = this.database.addProxy('Proxy', {
      secrets: [this.databaseSecret],
      vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxySg],
      requireTLS: true,
      iamAuth: false,
      idleClientTimeout: Duration.minutes(30),
    });
    this.database.connections.allowFrom(proxySg, ec2.Port.tcp(POSTGRES_PORT), 'RDS Proxy to Postgres');

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'CacheSubnets', {
      description: 'RealTone Valkey subnets',
      subnetIds: vpc.selectSubnets(props.subnets).subnetIds,
    });
    // A plain-string secret: functions/shared/secrets.ts inserts it into REDIS_URL as the password.
    this.cacheAuthSecret = new secretsmanager.Secret(this, 'CacheAuthToken', {
      description: 'RealTone ElastiCache AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.cache = new elasticache.CfnReplicationGroup(this, 'Cache', {
      replicationGroupDescription: 'RealTone job status cache',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.cacheNodeType,
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: this.cacheAuthSecret.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [cacheSg.securityGroupId],
      port: REDIS_PORT,
      autoMinorVersionUpgrade: true,
    });
    this.cache.addResourceDependency(subnetGroup);
    this.redisUrl = `rediss://${this.cache.attrPrimaryEndPointAddress}:${this.cache.attrPrimaryEndPointPort}`;

    for (const client of props.clients) {
      proxySg.addIngressRule(client, ec2.Port.tcp(POSTGRES_PORT), 'Postgres through RDS Proxy');
      client.addEgressRule(proxySg, ec2.Port.tcp(POSTGRES_PORT), 'Postgres through RDS Proxy');
      cacheSg.addIngressRule(client, ec2.Port.tcp(REDIS_PORT), 'Valkey (TLS)');
      client.addEgressRule(cacheSg, ec2.Port.tcp(REDIS_PORT), 'Valkey (TLS)');
    }

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Idempotency records live for minutes; nothing worth keeping after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const why = {
      rotation:
        'Rotating these secrets would invalidate credentials that the long-running worker and warm Lambda ' +
        'environments resolved at start-up; rotate by redeploying (docs/deploy.md, "Rotating secrets").',
    };
    // database.secret is the attachment; the generated secret itself is the instance's child 'Secret'.
    Validations.of(this.database.node.findChild('Secret')).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: why.rotation,
    });
    Validations.of(this.cacheAuthSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: why.rotation });
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The default port is kept: the database accepts only the RDS Proxy security group, so a non-standard ' +
        'port would add no protection.',
    });
    Validations.of(this.cache).acknowledge({
      id: 'AwsSolutions-AEC4',
      reason:
        'One cache node: the cache is a read optimisation (a lost write costs a Postgres read, never a job), so ' +
        'a Multi-AZ replica would double its cost for no correctness gain.',
    });
    if (!props.multiAz)
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ by default to keep the idle cost low; enable with -c dbMultiAz=true (docs/deploy.md).',
      });
    if (!props.deletionProtection)
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection was switched off explicitly with -c deletionProtection=false (teardown).',
      });
  }
}
