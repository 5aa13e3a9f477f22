/** Cheap, read-only calls that prove each dependency answers, for the readiness endpoint. */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const s3Check = (client: S3Client, bucket: string) => async () => {
  await client.send(new HeadBucketCommand({ Bucket: bucket }));
};

export const sqsCheck = (client: SQSClient, queueUrl: string) => async () => {
  await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
};

export const dynamoCheck = (client: DynamoDBClient, table: string) => async () => {
  await client.send(new DescribeTableCommand({ TableName: table }));
};
