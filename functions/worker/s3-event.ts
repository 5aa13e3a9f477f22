import * as z from 'zod';

/**
 * S3 event notifications as S3 delivers them to SQS (and as the local bridge reproduces them). Keys arrive
 * URL-encoded with '+' for spaces. Also recognises the one-off `s3:TestEvent` S3 sends when a notification is set up.
 */
const record = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative().optional() }),
  }),
});

const notification = z.union([
  z.object({ Records: z.array(record).min(1) }),
  z.object({ Event: z.literal('s3:TestEvent'), Bucket: z.string().optional() }),
]);

export type ParsedS3Message =
  | { kind: 'test' }
  | { kind: 'objects'; objects: { bucket: string; key: string; size?: number; eventName: string }[] }
  | { kind: 'invalid'; reason: string };

export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function parseS3Message(body: string): ParsedS3Message {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'invalid', reason: 'body is not JSON' };
  }
  const parsed = notification.safeParse(json);
  if (!parsed.success)
    return { kind: 'invalid', reason: `not an S3 event notification: ${parsed.error.issues[0]?.message}` };
  if ('Event' in parsed.data) return { kind: 'test' };
  try {
    return {
      kind: 'objects',
      objects: parsed.data.Records.map((r) => ({
        bucket: r.s3.bucket.name,
        key: decodeS3Key(r.s3.object.key),
        size: r.s3.object.size,
        eventName: r.eventName,
      })),
    };
  } catch {
    return { kind: 'invalid', reason: 'object key is not valid URL encoding' };
  }
}
