import type { ObjectStore } from '../../ports/storage.ts';
import { resultKey } from './object-key.ts';

const TRAILER = '"manifest_url":null}';

/**
 * Fills `manifest_url` into a job view read from the cache or Postgres: a presigned GET of the job's manifest, valid
 * `ttlSeconds`. A URL is reused while more than half of its life remains, so a job polled by many clients costs one
 * signature per half-TTL rather than one per poll, and the body of a finished job stays byte-identical meanwhile.
 * Only the owner ever gets here (the read checked it), and the URL names only that object.
 */
export class ManifestLinks {
  private readonly memo = new Map<string, { url: string; renewAt: number }>();

  constructor(
    private readonly storage: Pick<ObjectStore, 'presignGet'>,
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  async url(userId: string, jobId: string, now = Date.now()): Promise<string> {
    const hit = this.memo.get(jobId);
    if (hit && hit.renewAt > now) return hit.url;
    const url = await this.storage.presignGet(resultKey(userId, jobId), this.ttlSeconds);
    if (this.memo.size >= this.maxEntries) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(jobId, { url, renewAt: now + (this.ttlSeconds * 1000) / 2 });
    return url;
  }

  /** The view JSON with its trailing `"manifest_url":null` replaced by a fresh URL. */
  async fill(userId: string, jobId: string, viewJson: string): Promise<string> {
    if (!viewJson.endsWith(TRAILER)) return viewJson;
    const url = await this.url(userId, jobId);
    return `${viewJson.slice(0, -TRAILER.length)}"manifest_url":${JSON.stringify(url)}}`;
  }

  forget(jobId: string): void {
    this.memo.delete(jobId);
  }
}
