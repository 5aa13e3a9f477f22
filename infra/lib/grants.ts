import { Aws, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Data } from './data.ts';
import { RESULT_PREFIX, UPLOAD_PREFIX, type StorageAndQueue } from './storage.ts';

/** What the grants need from the stack; every statement names one resource or the upload prefix. */
export interface GrantTargets {
  storage: StorageAndQueue;
  data: Data;
}

/**
 * API functions: presign uploads (the presigned POST is signed with this role, so it needs s3:PutObject) and
 * delete them, read the three secrets, use the idempotency table, and the readiness probes (HeadBucket needs
 * s3:ListBucket; GetQueueAttributes; DescribeTable).
 */
export function grantApi(role: iam.IRole, t: GrantTargets, jwtSecret: secretsmanager.ISecret): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'UploadObjects',
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: [t.storage.uploadObjectsArn()],
    }),
  );
  // Presigned GETs of result manifests are signed with this role; deleting a job or batch deletes its manifests.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ResultManifests',
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [t.storage.resultObjectsArn()],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadinessBucket',
      actions: ['s3:ListBucket'],
      resources: [t.storage.bucket.bucketArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadinessQueue',
      actions: ['sqs:GetQueueAttributes'],
      resources: [t.storage.queue.queueArn],
    }),
  );
  for (const secret of [t.data.databaseSecret, t.data.cacheAuthSecret, jwtSecret]) secret.grantRead(role);
  t.data.idempotencyTable.grant(
    role,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:DescribeTable',
  );
  acknowledgeUploadPrefix(role, t.storage);
}

/**
 * The key that seals webhook signing secrets: readable by the roles that seal or open one (the API functions that
 * create or rotate a webhook, and the notification sender), and by no other.
 */
export function grantWebhookSecretKey(key: secretsmanager.ISecret, roles: iam.IRole[]): void {
  for (const role of roles) key.grantRead(role);
}

/** Read the uploaded audio (the detector and gRPC services decode it; nothing else of the bucket). */
function grantReadUploads(role: iam.IRole, storage: GrantTargets['storage']): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadUploads',
      actions: ['s3:GetObject'],
      resources: [storage.uploadObjectsArn()],
    }),
  );
}

/**
 * Detector: read uploads, write result manifests (and remove one whose job was deleted meanwhile), read the
 * database and cache secrets, and the model from S3 when configured.
 */
export function grantWorker(role: iam.IRole, t: GrantTargets, modelS3Uri?: string): void {
  grantReadUploads(role, t.storage);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteResultManifests',
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: [t.storage.resultObjectsArn()],
    }),
  );
  for (const secret of [t.data.databaseSecret, t.data.cacheAuthSecret]) secret.grantRead(role);
  acknowledgeUploadPrefix(role, t.storage);
  if (modelS3Uri) grantModelRead(role, modelS3Uri);
}

/**
 * Streaming service: the database and cache secrets (history, tickets), the JWT key (Bearer upgrades), and the
 * model from S3 when configured. No bucket, queue or table: a stream's audio never touches them.
 */
export function grantStream(
  role: iam.IRole,
  data: Pick<Data, 'databaseSecret' | 'cacheAuthSecret'>,
  jwtSecret: secretsmanager.ISecret,
  modelS3Uri?: string,
): void {
  for (const secret of [data.databaseSecret, data.cacheAuthSecret, jwtSecret]) secret.grantRead(role);
  if (modelS3Uri) grantModelRead(role, modelS3Uri);
}

/**
 * gRPC service: read uploads (Analyze, AnalyzeAudio) and list the bucket (without s3:ListBucket S3 answers 403,
 * not 404, for a missing key, and a missing object must be NOT_FOUND), its bearer token, the secrets its shared
 * configuration reads, and the model from S3 when configured. Nothing is written anywhere.
 */
export function grantGrpc(
  role: iam.IRole,
  t: GrantTargets,
  secrets: secretsmanager.ISecret[],
  modelS3Uri?: string,
): void {
  grantReadUploads(role, t.storage);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'MissingObjectsAreNotFound',
      actions: ['s3:ListBucket'],
      resources: [t.storage.bucket.bucketArn],
    }),
  );
  for (const secret of [t.data.databaseSecret, t.data.cacheAuthSecret, ...secrets]) secret.grantRead(role);
  acknowledgeUploadPrefix(role, t.storage);
  if (modelS3Uri) grantModelRead(role, modelS3Uri);
}

function grantModelRead(role: iam.IRole, modelS3Uri: string): void {
  const { bucket, prefix } = parseS3Uri(modelS3Uri);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadModel',
      actions: ['s3:GetObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::${bucket}/${prefix}*`],
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${prefix}*]`,
    reason: 'The detector reads model.json and the model file it names under the configured model prefix.',
  });
}

function acknowledgeUploadPrefix(role: iam.IRole, storage: StorageAndQueue): void {
  const bucketId = Stack.of(storage).getLogicalId(storage.bucket.node.defaultChild as s3.CfnBucket);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${UPLOAD_PREFIX}*]`,
    reason:
      'Object keys are uploads/{userId}/{jobId}/{file}, created per job; the grant is limited to that prefix.',
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${RESULT_PREFIX}*]`,
    reason:
      'Result manifests are results/{userId}/{jobId}.json, one per job; the grant is limited to that prefix.',
  });
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, prefix: match[2] ?? '' };
}

/** What the notification grants need (notifications.ts). */
export interface NotificationTargets {
  queue: sqs.IQueue;
  connectionsTable: dynamodb.ITable;
  socketStage: apigw.WebSocketStage;
  senderRole: iam.IRole;
  connectRole: iam.IRole;
}

/**
 * Results reach clients: the worker and the stream service may only send to the notifications queue. The sender
 * reads the database secret, presigns result manifests (s3:GetObject under results/), wakes itself for retries
 * (sqs:SendMessage on its queue; its event source grants the receive side), finds and forgets connections in the
 * table (Query, DeleteItem) and posts to them (execute-api:ManageConnections on the socket's stage). $connect reads
 * the cache secret (tickets) and adds and removes connection rows (PutItem, DeleteItem), nothing else.
 */
export function grantNotifications(n: NotificationTargets, t: GrantTargets, senders: iam.IRole[]): void {
  for (const role of senders) n.queue.grantSendMessages(role);
  t.data.databaseSecret.grantRead(n.senderRole);
  n.senderRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PresignResultManifests',
      actions: ['s3:GetObject'],
      resources: [t.storage.resultObjectsArn()],
    }),
  );
  n.queue.grantSendMessages(n.senderRole);
  n.senderRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'FindConnections',
      actions: ['dynamodb:Query'],
      resources: [`${n.connectionsTable.tableArn}/index/by_user`],
    }),
  );
  n.senderRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ForgetGoneConnections',
      actions: ['dynamodb:DeleteItem'],
      resources: [n.connectionsTable.tableArn],
    }),
  );
  const connections = Stack.of(n.socketStage).formatArn({
    service: 'execute-api',
    resource: n.socketStage.api.apiId,
    resourceName: `${n.socketStage.stageName}/POST/@connections/*`,
  });
  n.senderRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PushToConnections',
      actions: ['execute-api:ManageConnections'],
      resources: [connections],
    }),
  );
  t.data.cacheAuthSecret.grantRead(n.connectRole);
  n.connectRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RecordConnections',
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [n.connectionsTable.tableArn],
    }),
  );
  const apiId = Stack.of(n.socketStage).getLogicalId(n.socketStage.api.node.defaultChild as CfnResource);
  Validations.of(n.senderRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${n.socketStage.stageName}/POST/@connections/*]`,
    reason:
      'Connection ids are made by API Gateway per socket; the grant is limited to posting on this API’s stage.',
  });
  const bucketId = Stack.of(t.storage).getLogicalId(t.storage.bucket.node.defaultChild as s3.CfnBucket);
  Validations.of(n.senderRole).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${RESULT_PREFIX}*]`,
    reason:
      'Job views carry a presigned GET of results/{userId}/{jobId}.json; the grant is limited to that prefix.',
  });
}
