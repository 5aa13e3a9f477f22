import { checkReadiness } from '../../core/health/readiness.ts';
import { json } from '../http.ts';
import { publicRoute } from '../handler.ts';
import { readinessChecks } from '../deps/readiness.ts';

/** GET /v1/ready → 200 when Postgres, the cache, S3, SQS and DynamoDB all answer; 503 naming those that do not. */
export const handler = publicRoute(readinessChecks, async (_event, checks) => {
  const result = await checkReadiness(checks);
  return json(result.ready ? 200 : 503, {
    status: result.ready ? 'ready' : 'not_ready',
    checks: result.checks,
  });
});
