/**
 * How `npx realtone` finds the command (docs/performance.md): the bin belongs to the workspace package
 * scripts/cli-bin, never to the root package.json. With a root bin, npm 11's npx loads the whole dependency tree
 * and installs the project into its cache before every run (~0.9 s); with only node_modules/.bin/realtone it runs
 * the link at once. These checks fail if a root bin comes back or the link stops leading to the CLI.
 */
import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

describe('the realtone bin', () => {
  it('is not in the root package.json but in the scripts/cli-bin workspace', () => {
    const root = json('package.json');
    expect(root.bin).toBeUndefined();
    expect(root.workspaces).toContain('scripts/cli-bin');
    expect(json('scripts/cli-bin/package.json').bin).toEqual({ realtone: 'realtone.mjs' });
  });

  it('is linked by the install as node_modules/.bin/realtone and runs the CLI', async () => {
    const link = path.join(ROOT, 'node_modules/.bin/realtone');
    expect(realpathSync(link)).toBe(path.join(ROOT, 'scripts/cli-bin/realtone.mjs'));
    const run = await promisify(execFile)(link, ['--help']).catch((e: { stderr: string; code: number }) => e);
    expect('code' in run ? run.code : 0).toBe(0);
    expect(run.stderr).toContain('usage: realtone analyze');
  }, 30_000);

  it('prints the package version for --version and -V', async () => {
    const link = path.join(ROOT, 'node_modules/.bin/realtone');
    for (const flag of ['--version', '-V']) {
      const { stdout } = await promisify(execFile)(link, [flag]);
      expect(stdout).toBe(`realtone ${json('package.json').version}\n`);
    }
  }, 30_000);
});
