/** The status cache, rate limiter and WebSocket tickets: one Redis connection (or the in-process store) per process. */
import { keyValueFromConfig } from '../../adapters/factory.ts';
import type { ConfigOf } from '../../shared/config.ts';
import { perProcess } from './process.ts';

export const keyValue = (c: ConfigOf<'cache'>) =>
  perProcess(
    'kv',
    () => keyValueFromConfig(c),
    (kv) => kv.close(),
  );
