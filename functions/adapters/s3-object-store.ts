import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore, UploadForm } from '../ports/storage.ts';
import type { ConfigOf } from '../shared/config.ts';

export interface S3Options {
  bucket: string;
  region: string;
  /** Custom endpoint (s3rver, LocalStack, MinIO); path-style addressing is used with it. */
  endpoint?: string;
}

export function createS3Client(options: { region: string; endpoint?: string }): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    // s3rver stores streamed uploads corrupted when the SDK adds its default CRC32 trailer; AWS is fine either way.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** How long a broken download is retried before the job gives up on it (and is retried as a whole). */
const RESUME_FOR_MS = 30_000;

async function* resumable(
  first: Readable,
  size: number | undefined,
  reopen: (offset: number) => Promise<Readable>,
): AsyncGenerator<Uint8Array> {
  let body = first;
  let offset = 0;
  try {
    for (;;) {
      try {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          offset += chunk.length;
          yield chunk;
        }
        if (size === undefined || offset >= size) return;
      } catch (error) {
        if (size !== undefined && offset >= size) throw error;
      }
      body.destroy();
      body = await reopen(offset); // ended early or broke: fetch the rest
    }
  } finally {
    body.destroy();
  }
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async createUploadForm(
    key: string,
    options: { contentType: string; maxBytes: number; expiresSeconds: number },
  ): Promise<UploadForm> {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: key,
      Conditions: [
        ['content-length-range', 1, options.maxBytes],
        ['eq', '$Content-Type', options.contentType],
        ['starts-with', '$key', key.slice(0, key.lastIndexOf('/') + 1)],
      ],
      Fields: { 'Content-Type': options.contentType },
      Expires: options.expiresSeconds,
    });
    return { url, fields, expiresAt: new Date(Date.now() + options.expiresSeconds * 1000) };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (error) {
      if (
        error instanceof S3ServiceException &&
        (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound')
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The object's bytes, resumed where they stopped when the connection breaks mid-object (S3 briefly unreachable,
   * a reset): the rest is fetched with a Range request pinned to the same ETag, retried with back-off for up to
   * RESUME_FOR_MS. The consumer (decoding, inference) never sees the break, so a long job keeps its work.
   */
  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`object ${key} has no body`);
    const size = out.ContentLength;
    const etag = out.ETag;
    const reopen = async (offset: number): Promise<Readable> => {
      const until = Date.now() + RESUME_FOR_MS;
      for (let wait = 250; ; wait = Math.min(4000, wait * 2)) {
        try {
          const rest = await this.client.send(
            new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-`, IfMatch: etag }),
          );
          return rest.Body as Readable;
        } catch (error) {
          // The object changed or went away: that is no break to bridge.
          const status = (error as S3ServiceException).$metadata?.httpStatusCode;
          if (status === 412 || status === 404 || Date.now() + wait > until) throw error;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    };
    return resumable(out.Body as Readable, size, reopen);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  presignGet(key: string, expiresSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresSeconds,
    });
  }
}

export function objectStoreFromConfig(c: ConfigOf<'aws' | 'storage'>): S3ObjectStore {
  return new S3ObjectStore(
    createS3Client({ region: c.AWS_REGION, endpoint: c.S3_ENDPOINT }),
    c.UPLOAD_BUCKET,
  );
}
