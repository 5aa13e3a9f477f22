import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Object keys the API hands out: uploads/{userId}/{jobId}/{file}. */
export const UPLOAD_PREFIX = 'uploads/';
/** Result manifests the worker writes: results/{userId}/{jobId}.json (no S3 event: outside uploads/). */
export const RESULT_PREFIX = 'results/';

export interface StorageProps {
  webOrigins: string[];
  uploadExpiryDays: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/**
 * The upload bucket and the jobs queue. Browsers POST audio straight to the bucket with a presigned policy; S3
 * announces each new object under uploads/ on the queue; the detector consumes the queue. Messages that keep failing
 * land in the dead-letter queue after `maxReceiveCount` receives and stay there 14 days for inspection.
 */
export class StorageAndQueue extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the upload bucket; logging it to itself would loop.',
    });

    // Versioning stays off: every upload has its own key (uploads/{user}/{job}/{file}) and is never overwritten,
    // and deleted audio must really be gone (job deletion, expiry) rather than linger as noncurrent versions.
    this.bucket = new s3.Bucket(this, 'Uploads', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'uploads-bucket/',
      cors: props.webOrigins.length
        ? [
            {
              // Presigned POST from the browser; nothing else is exposed to other origins.
              allowedOrigins: props.webOrigins,
              allowedMethods: [s3.HttpMethods.POST],
              allowedHeaders: ['*'],
              exposedHeaders: ['ETag', 'Location'],
              maxAge: 3000,
            },
          ]
        : undefined,
      lifecycleRules: [
        {
          id: 'expire-raw-uploads',
          prefix: UPLOAD_PREFIX,
          expiration: Duration.days(props.uploadExpiryDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // A result manifest lives as long as the audio it describes.
          id: 'expire-result-manifests',
          prefix: RESULT_PREFIX,
          expiration: Duration.days(props.uploadExpiryDays),
        },
      ],
      // Retained on stack deletion: it may hold user audio. docs/deploy.md explains how to empty and delete it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'JobsQueue', {
      // SQS-managed SSE: S3 event notifications cannot publish to a queue encrypted with the AWS-managed KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      receiveMessageWaitTime: Duration.seconds(20),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: UPLOAD_PREFIX,
    });
  }

  /** ARN pattern of the upload objects. */
  uploadObjectsArn(): string {
    return this.bucket.arnForObjects(`${UPLOAD_PREFIX}*`);
  }

  /** ARN pattern of the result manifests; with the uploads, the only objects any role may touch. */
  resultObjectsArn(): string {
    return this.bucket.arnForObjects(`${RESULT_PREFIX}*`);
  }
}
