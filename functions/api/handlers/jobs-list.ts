import { listJobs } from '../../core/jobs/list-jobs.ts';
import { json } from '../http.ts';
import { userRoute } from '../user-route.ts';
import { jobRepository } from '../deps/postgres.ts';

/** GET /v1/jobs?limit&status&from&to&cursor → 200 {items, next_cursor}: the caller's history, newest first. */
export const handler = userRoute(jobRepository, async (event, jobs, userId) =>
  json(200, await listJobs(jobs, userId, event.queryStringParameters ?? {})),
);
