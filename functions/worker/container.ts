/**
 * Entry point of the detector container on ECS (the image's CMD). Fetches the model from S3 when MODEL_S3_URI is
 * set, starts the worker (main.ts: model, queue consumer, SIGTERM drain), then keeps the heartbeat file fresh for
 * the container health check (health.ts). main.ts exits the process itself when start-up fails.
 */
import { getLogger } from '../shared/logger.ts';
import { startHeartbeat } from './health.ts';
import { ensureModel } from './model-source.ts';

try {
  await ensureModel();
} catch (error) {
  getLogger('worker').error('model download failed', { error: (error as Error).message });
  process.exit(1);
}
await import('./main.ts');
startHeartbeat();
