import { describe } from 'vitest';
import { pipelineScenario } from './pipeline-scenario.ts';

describe('end to end on the local stack with embedded PGlite, the in-process cache and the default model', () => {
  // No MODEL_MANIFEST: the stack runs the bundled detector, exactly as `npm start` does.
  pipelineScenario(() => ({ MODEL_MANIFEST: undefined }));
});
