// Entry of the ingestion worker thread (isolate.ts). The thread needs tsx to load TypeScript: a thread started
// from `node --import tsx` inherits it through execArgv, but one started from the CLI (tsx registered at run time)
// or from vitest does not, so register it here when the parent's loader is absent. Registering twice is harmless.
import { register } from 'tsx/esm/api';

register();
await import('./ingest-thread.ts');
