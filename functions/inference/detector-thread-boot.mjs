// Entry of a detector thread (detector-pool.ts) when running from the TypeScript sources: the thread needs tsx to
// load them, and a thread started from vitest or from a process that registered tsx at run time does not inherit
// it. The bundle maps this name straight to detector-thread.ts (scripts/bundle.mjs). Registering twice is harmless.
import { register } from 'tsx/esm/api';

register();
await import('./detector-thread.ts');
