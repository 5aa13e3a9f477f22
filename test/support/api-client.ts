/**
 * A small client for the RealTone API that behaves like a browser frontend: JSON calls with a Bearer token, and the
 * upload as a multipart form POSTed straight to the presigned S3 URL (the returned fields, then the file).
 */
import { randomUUID } from 'node:crypto';

export interface UploadSlot {
  job_id: string;
  status: string;
  upload: { url: string; fields: Record<string, string>; expires_at: string; max_bytes: number };
}

export type ResponseHook = (
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
) => void;

export class ApiClient {
  token: string | undefined;
  constructor(
    readonly base: string,
    private readonly onResponse?: ResponseHook,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const send = () =>
      fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res: Response;
    try {
      res = await send();
    } catch (error) {
      // A keep-alive socket the server closed while this process was busy: retry once on a fresh one, as browsers do.
      if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
      res = await send();
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    this.onResponse?.(
      method,
      new URL(path, this.base).pathname,
      res.status,
      res.headers.get('content-type'),
      json ?? text,
    );
    return { status: res.status, headers: res.headers, json: json as Record<string, any>, text };
  }

  /** Registers a fresh user and logs in; returns the email. */
  async signUp(email = `user-${randomUUID()}@example.com`, password = 'correct horse battery staple') {
    const reg = await this.call('POST', '/v1/auth/register', { email, password });
    if (reg.status !== 201 && reg.status !== 409)
      throw new Error(`register failed: ${reg.status} ${reg.text}`);
    const login = await this.call('POST', '/v1/auth/login', { email, password });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
    this.token = login.json.access_token;
    return email;
  }

  async requestUpload(filename: string, contentType: string, size: number): Promise<UploadSlot> {
    const res = await this.call('POST', '/v1/uploads', {
      filename,
      content_type: contentType,
      size_bytes: size,
    });
    if (res.status !== 201) throw new Error(`upload request failed: ${res.status} ${res.text}`);
    return res.json as UploadSlot;
  }

  /** POSTs the file to S3 exactly as a browser form would. Returns S3's HTTP status. */
  static async postToS3(
    slot: UploadSlot,
    bytes: Uint8Array,
    filename: string,
    contentType: string,
  ): Promise<number> {
    const form = new FormData();
    for (const [k, v] of Object.entries(slot.upload.fields)) form.append(k, v);
    form.append('file', new Blob([bytes], { type: contentType }), filename);
    const res = await fetch(slot.upload.url, { method: 'POST', body: form });
    await res.arrayBuffer();
    return res.status;
  }

  /** Polls GET /v1/batches/{id} until every item has finished (the batch is completed or failed). */
  async waitForBatch(batchId: string, timeoutMs = 120_000, intervalMs = 200) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.call('GET', `/v1/batches/${batchId}`);
      if (res.status !== 200) throw new Error(`batch poll failed: ${res.status} ${res.text}`);
      if (res.json.status === 'completed' || res.json.status === 'failed') return res.json;
      if (Date.now() > deadline)
        throw new Error(`batch ${batchId} still ${res.json.status} after ${timeoutMs} ms: ${res.text}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Polls GET /v1/jobs/{id} until the job is completed or failed. */
  async waitForJob(jobId: string, timeoutMs = 60_000, intervalMs = 100) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.call('GET', `/v1/jobs/${jobId}`);
      if (res.status !== 200) throw new Error(`poll failed: ${res.status} ${res.text}`);
      if (res.json.status === 'completed' || res.json.status === 'failed') return res.json;
      if (Date.now() > deadline)
        throw new Error(`job ${jobId} still ${res.json.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
