import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStackProcess, type StackProcess } from '../support/local-stack-process.ts';
import { FIXTURE_MODEL } from './pipeline-scenario.ts';

/** The curl session in README.md must work as written against `npm start`'s stack. */
describe('README curl session', () => {
  let stack: StackProcess;
  beforeAll(async () => {
    stack = await startStackProcess({ MODEL_MANIFEST: FIXTURE_MODEL });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('ends with a completed job and chunk scores', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- curl-session:start -->\s*```sh\n([\s\S]*?)```\s*<!-- curl-session:end -->/.exec(
      readme,
    );
    expect(block, 'README has a curl-session block').not.toBeNull();
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', block![1]!], {
      cwd: ROOT,
      env: { ...process.env, API: stack.api },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('S3: 204');
    const job = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(job.status).toBe('completed');
    expect(job.result.chunks).toHaveLength(3);
    for (const chunk of job.result.chunks) expect(chunk.score).toBeGreaterThanOrEqual(0);
  });
});
