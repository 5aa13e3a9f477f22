/**
 * The CLI loads the model without a probe run; a model whose first batch shows an output shape the manifest does
 * not declare is still a model error: exit 2, a message on stderr, no result line.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/models/energy-fixture');

describe('realtone analyze with a model that disagrees with its manifest', () => {
  it('exits 2 on the first batch, printing no result line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-cli-model-'));
    await copyFile(path.join(FIXTURE, 'model.onnx'), path.join(dir, 'model.onnx'));
    const manifest = JSON.parse(await readFile(path.join(FIXTURE, 'model.json'), 'utf8'));
    Object.assign(manifest.output, { kind: 'two_class_logits', shape: ['batch', 2], fake_index: 1 });
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
    const args = ['scripts/realtone.mjs', 'analyze', '--model', path.join(dir, 'model.json')];
    const files = ['test/fixtures/e2e/speech-9.5s.wav', 'test/fixtures/e2e/speech-6.2s.mp3'];
    const result = await promisify(execFile)(process.execPath, [...args, ...files], { cwd: ROOT }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/realtone: model output logit has shape \[\d\] for a batch of \d/);
  });
});
