/**
 * The messages S3 sends to SQS, built by the local stack's bridge (bridge.ts) where no S3 sends them. Production
 * code only parses them (functions/worker/s3-event.ts); tests build them with these helpers too.
 */

/** Builds the message S3 sends for one created object (used by the local bridge). */
export function s3EventNotification(input: {
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  eventName: string;
  region: string;
  sourceIp?: string;
}): string {
  // S3 form-encodes keys in notifications: spaces as '+', reserved characters percent-encoded, '/' kept.
  const encodedKey = encodeURIComponent(input.key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: input.region,
        eventTime: new Date().toISOString(),
        eventName: input.eventName,
        userIdentity: { principalId: 'AWS:LOCAL' },
        requestParameters: { sourceIPAddress: input.sourceIp ?? '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'realtone-uploads',
          bucket: {
            name: input.bucket,
            ownerIdentity: { principalId: 'LOCAL' },
            arn: `arn:aws:s3:::${input.bucket}`,
          },
          object: {
            key: encodedKey,
            size: input.size,
            ...(input.eTag ? { eTag: input.eTag } : {}),
            sequencer: Date.now().toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  });
}

export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: 'LOCAL',
    HostId: 'LOCAL',
  });
}
