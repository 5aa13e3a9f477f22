/** Entry of the bundled health check (scripts/bundle.mjs): the same check as `node --import tsx health.ts`. */
import { runHealthCheck } from './health.ts';

runHealthCheck();
