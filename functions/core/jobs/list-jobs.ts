import * as z from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import { JOB_STATUSES, type JobRepository } from '../../ports/jobs.ts';
import { toSummary, type JobSummary } from './view.ts';

/** Query string of GET /v1/jobs. Dates are ISO 8601; `cursor` is the opaque `next_cursor` of the previous page. */
export const listQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    status: z.enum(JOB_STATUSES).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || !UUID.test(id)) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError('cursor is not valid; pass the next_cursor of a previous page', {
      code: 'invalid_cursor',
    });
  }
}

/** The user's history, newest first: keyset pagination on (created_at, id), stable under concurrent inserts. */
export async function listJobs(
  jobs: JobRepository,
  userId: string,
  query: Record<string, string | undefined>,
): Promise<{ items: JobSummary[]; next_cursor: string | null }> {
  const parsed = listQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new ValidationError('invalid query', {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const q = parsed.data;
  const rows = await jobs.listForUser(userId, {
    limit: q.limit + 1,
    status: q.status,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
  });
  const page = rows.slice(0, q.limit).map(toSummary);
  const last = page[page.length - 1];
  return {
    items: page,
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}
