import { describe } from 'vitest';
import { pipelineScenario } from './pipeline-scenario.ts';

describe('end to end on the local stack with embedded PGlite and the in-process cache', () => {
  pipelineScenario(() => ({}));
});
