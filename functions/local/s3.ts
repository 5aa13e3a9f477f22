/**
 * Local S3: s3rver on 127.0.0.1 with objects persisted under .local/s3 (git-ignored), the uploads bucket created
 * with a CORS rule for the local web origins, and every object-created event handed to `onObjectCreated` (the
 * bridge to SQS). s3rver checks neither signatures on POST nor POST policies, which is why the worker re-checks
 * sizes and types itself.
 */
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';

const require = createRequire(import.meta.url);
// s3rver is CommonJS without types.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3rverRecord[] }) => void): void;
}

export interface S3rverRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  requestParameters?: { sourceIPAddress?: string };
}

function corsXml(origins: string[]): string {
  const allowed = origins.map((o) => `<AllowedOrigin>${o}</AllowedOrigin>`).join('');
  return (
    `<CORSConfiguration><CORSRule>${allowed}<AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>` +
    `<AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>` +
    `<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`
  );
}

export async function startS3(options: {
  port: number;
  directory: string;
  bucket: string;
  webOrigins: string[];
  onObjectCreated: (record: S3rverRecord) => void;
}): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket, configs: [corsXml(options.webOrigins)] }],
  });
  server.on('event', (event) => {
    for (const record of event.Records)
      if (record.eventName.startsWith('ObjectCreated:')) options.onObjectCreated(record);
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}
