/**
 * What npm prints around `npx realtone` and `npm test`, and which install scripts run (README, "Installing by
 * hand"). A setting npm does not know in .npmrc made every npm and npx command warn on stderr; onnxruntime-node's
 * install script (a CUDA download from NuGet) is skipped through the environment, and denied in package.json's
 * allowScripts for npm 12, which enforces it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
/** allowScripts and `npm install-scripts` arrived in npm 11.16. */
const npmVersion = (await run('npm', ['--version'])).stdout.trim().split('.').map(Number);
const npmKnowsAllowScripts = npmVersion[0]! > 11 || (npmVersion[0] === 11 && npmVersion[1]! >= 16);

describe('npm settings', () => {
  it('npx realtone --version prints the version and nothing on stderr', async () => {
    const { stdout, stderr } = await run('npx', ['--no', '--', 'realtone', '--version'], { cwd: ROOT });
    expect(stdout).toMatch(/^realtone \d+\.\d+\.\d+\n$/);
    expect(stderr).toBe('');
  }, 30_000);

  it.runIf(npmKnowsAllowScripts)(
    'reviews every dependency install script and denies onnxruntime-node its download',
    async () => {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      expect(manifest.allowScripts['onnxruntime-node']).toBe(false);
      const { stdout } = await run('npm', ['install-scripts', 'ls', '--json'], { cwd: ROOT });
      expect(JSON.parse(stdout)).toEqual({ allowScripts: [] });
    },
    30_000,
  );

  it('ensure-deps skips the download through the environment', () => {
    const script = readFileSync(path.join(ROOT, 'scripts/ensure-deps.mjs'), 'utf8');
    expect(script).toMatch(/ONNXRUNTIME_NODE_INSTALL: process\.env\.ONNXRUNTIME_NODE_INSTALL \?\? 'skip'/);
  });
});
