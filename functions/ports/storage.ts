/** Presigned browser upload: POST `url` as multipart/form-data with `fields`, then the file as `file`. */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  expiresAt: Date;
}

export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
}

export interface ObjectStore {
  createUploadForm(
    key: string,
    options: { contentType: string; maxBytes: number; expiresSeconds: number },
  ): Promise<UploadForm>;
  head(key: string): Promise<ObjectInfo | undefined>;
  read(key: string): Promise<AsyncIterable<Uint8Array>>;
  delete(key: string): Promise<void>;
  /** Writes a small object whole (result manifests). */
  put(key: string, body: string, contentType: string): Promise<void>;
  /** A presigned GET of `key`, valid `expiresSeconds` (manifest downloads by their owner). */
  presignGet(key: string, expiresSeconds: number): Promise<string>;
}
