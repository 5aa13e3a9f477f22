import type { ObjectInfo, ObjectStore, UploadForm } from '../ports/storage.ts';

/**
 * An ObjectStore whose adapter is loaded on first use. The S3 client and its presigners are the largest modules an
 * API function loads; a route that needs them only on some requests (a poll of a job that is still running does
 * not sign a manifest URL) starts without them.
 */
export class LazyObjectStore implements ObjectStore {
  private store: Promise<ObjectStore> | undefined;

  constructor(private readonly load: () => Promise<ObjectStore>) {}

  private get ready(): Promise<ObjectStore> {
    // A failed load is not kept: the next call tries again.
    return (this.store ??= this.load().catch((error: unknown) => {
      this.store = undefined;
      throw error;
    }));
  }

  async createUploadForm(
    key: string,
    options: { contentType: string; maxBytes: number; expiresSeconds: number },
  ): Promise<UploadForm> {
    return (await this.ready).createUploadForm(key, options);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return (await this.ready).head(key);
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array>> {
    return (await this.ready).read(key);
  }

  async delete(key: string): Promise<void> {
    return (await this.ready).delete(key);
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    return (await this.ready).put(key, body, contentType);
  }

  async presignGet(key: string, expiresSeconds: number): Promise<string> {
    return (await this.ready).presignGet(key, expiresSeconds);
  }
}
