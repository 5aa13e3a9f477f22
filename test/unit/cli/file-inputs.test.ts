/**
 * `realtone analyze` with very many files: a command line over 64 KB (onnxruntime-node 1.30 crashes creating a
 * session in such a process; the CLI re-runs itself with the list on stdin), directories and --files-from. Runs the
 * real command (`node scripts/realtone.mjs`) with the tiny energy fixture model.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFileList } from '../../../functions/cli/file-list.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MODEL = path.join(ROOT, 'test/fixtures/models/energy-fixture/model.json');
const WAV = path.join(ROOT, 'test/fixtures/e2e/speech-9.5s.wav');
const MP3 = path.join(ROOT, 'test/fixtures/e2e/speech-6.2s.mp3');

interface Line {
  file: string;
  ok: boolean;
  error?: { code: string };
}

function analyze(args: string[], stdin?: string): Promise<{ code: number; lines: Line[]; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['scripts/realtone.mjs', 'analyze', ...args],
      { cwd: ROOT, env: { ...process.env, MODEL_MANIFEST: MODEL }, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        const lines = stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line);
        resolve({ code, lines, stderr });
      },
    );
    child.stdin!.end(stdin ?? '');
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'realtone-cli-'));
  await mkdir(path.join(dir, 'set/b/deeper'), { recursive: true });
  await copyFile(WAV, path.join(dir, 'set/a.wav'));
  await copyFile(MP3, path.join(dir, 'set/b/deeper/c.MP3'));
  await writeFile(path.join(dir, 'set/b/notes.txt'), 'not audio');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('realtone analyze inputs', () => {
  it('analyses every file of a command line over 64 KB, in order (no onnxruntime crash)', async () => {
    // 600 paths of ~115 bytes: 69 KB of arguments; missing files are reported in place, two real ones analysed.
    const missing = Array.from({ length: 600 }, (_, i) =>
      path.join(dir, `missing-${'x'.repeat(90)}-${String(i).padStart(4, '0')}.wav`),
    );
    const args = [WAV, ...missing, MP3];
    expect(args.join(' ').length).toBeGreaterThan(64 * 1024);
    const { code, lines, stderr } = await analyze(args);
    expect(stderr).not.toMatch(/Segmentation/);
    expect(code).toBe(1); // some files failed (the missing ones), none crashed the run
    expect(lines.map((l) => l.file)).toEqual(args);
    expect(lines[0]).toMatchObject({ ok: true });
    expect(lines.at(-1)).toMatchObject({ ok: true });
    expect(lines.slice(1, -1).every((l) => l.error?.code === 'file_unreadable')).toBe(true);
  });

  it('takes the audio files under a directory, recursively, sorted, by extension', async () => {
    const { code, lines } = await analyze([path.join(dir, 'set')]);
    expect(code).toBe(0);
    expect(lines.map((l) => path.relative(dir, l.file))).toEqual(['set/a.wav', 'set/b/deeper/c.MP3']);
  });

  it('reads --files-from a file and from stdin, NUL-separated or by line', async () => {
    const list = path.join(dir, 'list.txt');
    await writeFile(list, `${MP3}\r\n\n${WAV}\n`);
    const fromFile = await analyze(['--files-from', list]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.lines.map((l) => l.file)).toEqual([MP3, WAV]);
    const fromStdin = await analyze([WAV, '--files-from', '-'], `${MP3}\0${WAV}\0`);
    expect(fromStdin.lines.map((l) => l.file)).toEqual([WAV, MP3, WAV]);
  });

  it('exits 2 with a clear message for an unreadable list or one with no files', async () => {
    const missingList = await analyze(['--files-from', path.join(dir, 'no-such-list')]);
    expect(missingList.code).toBe(2);
    expect(missingList.stderr).toMatch(/cannot read the file list: ENOENT/);
    const empty = await analyze(['--files-from', '-'], '\n\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no audio files to analyse/);
  });

  it('parses lists: lines (CRLF too) or NUL-separated, blank entries skipped', () => {
    expect(parseFileList('a.wav\r\n\nb c.wav\n')).toEqual(['a.wav', 'b c.wav']);
    expect(parseFileList('a\nb.wav\0c.wav\0')).toEqual(['a\nb.wav', 'c.wav']);
  });
});
