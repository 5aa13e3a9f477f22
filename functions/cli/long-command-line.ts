/**
 * onnxruntime-node 1.30.0 crashes (SIGSEGV, exit 139, nothing printed) while creating an InferenceSession when the
 * process's command line is long: measured on Linux x64, a command line of 28,906 bytes works and 29,062 crashes,
 * whatever the arguments are (one long one or many short ones). Shortening `process.argv` in JavaScript does not
 * help, nor does creating the session in a worker thread (same process, same /proc/self/cmdline); the environment's
 * size does not matter. Reproduction and the upstream report: docs/onnxruntime-long-argv.md.
 *
 * So `realtone analyze` never creates a session in a process with a long command line: it runs itself again with the
 * options only, and hands the file list over on stdin (`--files-from -`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../shared/config.ts';

/** Well below the measured crash (~29 KB), so a different model or build has room to differ. */
export const SAFE_COMMAND_LINE_BYTES = 8 * 1024;

/** From the project root, not this module: the CLI runs from a bundle elsewhere (scripts/bundle.mjs). */
const LAUNCHER = path.join(PROJECT_ROOT, 'scripts/realtone.mjs');

/** Bytes of this process's command line, as the native code sees it (/proc/self/cmdline where there is one). */
export function commandLineBytes(): number {
  try {
    return readFileSync('/proc/self/cmdline').length;
  } catch {
    const all = [process.argv0, ...process.execArgv, ...process.argv.slice(1)];
    return all.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  }
}

/**
 * Runs `realtone analyze OPTIONS --files-from -` with `files` on its stdin (NUL-separated: any file name works),
 * its output straight to ours; resolves with its exit status.
 */
export function analyzeInChild(options: readonly string[], files: readonly string[]): Promise<number> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, LAUNCHER, 'analyze', ...options, '--files-from', '-'],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  );
  child.stdin.on('error', () => undefined); // the child may exit early (a model error); its status says why
  child.stdin.end(files.join('\0') + '\0');
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`realtone: cannot start the analysis process: ${error.message}\n`);
      resolve(2);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 2)));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const n = (
    { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 } as Partial<Record<NodeJS.Signals, number>>
  )[signal];
  return n ?? 1;
}
