import { listJobs } from '../../core/jobs/list-jobs.ts';
import { json } from '../http.ts';
import { userRoute } from '../handler.ts';

/** GET /v1/jobs?limit&status&from&to&cursor → 200 {items, next_cursor}: the caller's history, newest first. */
export const handler = userRoute(async (event, deps, userId) =>
  json(200, await listJobs(deps.jobs, userId, event.queryStringParameters ?? {})),
);
