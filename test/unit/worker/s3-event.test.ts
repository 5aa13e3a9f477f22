import { describe, expect, it } from 'vitest';
import { s3EventNotification, s3TestEvent } from '../../../functions/local/s3-notifications.ts';
import { parseS3Message } from '../../../functions/worker/s3-event.ts';

describe('S3 event notifications', () => {
  it('round-trips keys with spaces, plus signs and unicode through S3 URL encoding', () => {
    const key = 'uploads/u/j/my file+v2 (é).wav';
    const body = s3EventNotification({
      bucket: 'b',
      key,
      size: 10,
      eventName: 'ObjectCreated:Post',
      region: 'us-east-1',
    });
    expect(JSON.parse(body).Records[0].s3.object.key).toBe('uploads/u/j/my+file%2Bv2+%28%C3%A9%29.wav');
    expect(parseS3Message(body)).toEqual({
      kind: 'objects',
      objects: [{ bucket: 'b', key, size: 10, eventName: 'ObjectCreated:Post' }],
    });
  });

  it('parses the message AWS S3 sends', () => {
    const aws = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventName: 'ObjectCreated:Post',
          s3: {
            bucket: { name: 'realtone-uploads' },
            object: { key: 'uploads/a/b/c+d.wav', size: 1234, eTag: 'x' },
          },
        },
      ],
    };
    const parsed = parseS3Message(JSON.stringify(aws));
    expect(parsed).toMatchObject({ kind: 'objects', objects: [{ key: 'uploads/a/b/c d.wav', size: 1234 }] });
  });

  it('recognises the test event and rejects everything else with a reason', () => {
    expect(parseS3Message(s3TestEvent('b'))).toEqual({ kind: 'test' });
    expect(parseS3Message('not json')).toEqual({ kind: 'invalid', reason: 'body is not JSON' });
    expect(parseS3Message('{"Records":[]}').kind).toBe('invalid');
    expect(parseS3Message('{"Records":[{"eventSource":"aws:sqs"}]}').kind).toBe('invalid');
    const badEscape = JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'b' }, object: { key: '%E0%A4%A' } },
        },
      ],
    });
    expect(parseS3Message(badEscape)).toEqual({
      kind: 'invalid',
      reason: 'object key is not valid URL encoding',
    });
  });
});
