/**
 * The files `realtone analyze` works on: its arguments, where a directory stands for the audio files under it
 * (recursively, sorted), plus the lines of `--files-from FILE` (`-` is stdin). Large sets are what users pass
 * directories and lists for, and a list keeps the command line short (see long-command-line.ts for why that matters).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** File name endings taken from a directory (what the decoders read); named files are taken whatever their name. */
export const AUDIO_EXTENSIONS = new Set([
  '.wav',
  '.wave',
  '.mp3',
  '.flac',
  '.ogg',
  '.oga',
  '.opus',
  '.m4a',
  '.mp4',
  '.aac',
  '.webm',
  '.aif',
  '.aiff',
]);

export const isAudioName = (name: string) => AUDIO_EXTENSIONS.has(path.extname(name).toLowerCase());

/**
 * Reads a file list: one path per line, or NUL-separated when the text holds a NUL (`find -print0`). Blank lines
 * are skipped; a trailing carriage return is dropped (lists written on Windows).
 */
export function parseFileList(text: string): string[] {
  const parts = text.includes('\0') ? text.split('\0') : text.split('\n').map((l) => l.replace(/\r$/, ''));
  return parts.filter((p) => p.trim().length > 0);
}

async function readList(source: string, stdin: () => Promise<string>): Promise<string[]> {
  const text = source === '-' ? await stdin() : await readFile(source, 'utf8');
  return parseFileList(text);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Audio files under `dir`, recursively, in a stable (sorted) order; symlinked directories are not followed. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if ((entry.isFile() || entry.isSymbolicLink()) && isAudioName(entry.name)) out.push(full);
  }
  return out;
}

/**
 * Expands arguments and lists into files, in the order given. A path that does not exist stays in the list, so
 * the analysis reports it (`file_unreadable`) in its place instead of dropping it silently.
 */
export async function expandInputs(
  args: readonly string[],
  filesFrom: readonly string[] = [],
  stdin: () => Promise<string> = readStdin,
): Promise<string[]> {
  const named = [...args];
  for (const source of filesFrom) named.push(...(await readList(source, stdin)));
  const out: string[] = [];
  for (const item of named) {
    const info = await stat(item).catch(() => undefined);
    if (info?.isDirectory()) out.push(...(await walk(item)));
    else out.push(item);
  }
  return out;
}

/** The files' total size in bytes, counted only until it reaches `enough` (unreadable files count 0). */
export async function totalBytes(files: readonly string[], enough: number): Promise<number> {
  let total = 0;
  for (const file of files) {
    if (total >= enough) break;
    total += await stat(file).then(
      (s) => (s.isFile() ? s.size : 0),
      () => 0,
    );
  }
  return total;
}
