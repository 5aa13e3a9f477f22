/**
 * Starts `functions/local/main.ts` (what `npm start` runs) as a child process on free ports and waits for its
 * `ready <url>` line. Used by the end-to-end tests and the benchmarks, so both exercise the real local stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface StackProcess {
  api: string;
  /** The gRPC services' host:port, as printed by the stack. */
  grpc: string;
  /** Other endpoints as printed by the stack (s3, sqs, dynamodb, …). */
  endpoints: Record<string, string>;
  child: ChildProcess;
  output: () => string;
  dataDir: string;
  /** Sends `signal`, waits for the exit and returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startStackProcess(
  env: Record<string, string | undefined> = {},
  timeoutMs = 90_000,
  options: { detached?: boolean } = {},
): Promise<StackProcess> {
  // A caller-provided data dir survives stop() (restart tests); a temporary one is removed.
  const ownDir = !env.REALTONE_DATA_DIR;
  const dataDir = env.REALTONE_DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'realtone-stack-')));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    S3_PORT: '0',
    SQS_PORT: '0',
    DYNAMODB_PORT: '0',
    PGLITE_PORT: '0',
    METRICS_PORT: '0',
    GRPC_PORT: '0',
    LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'WARN',
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    ...env,
    REALTONE_DATA_DIR: dataDir,
  };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  delete childEnv.VITEST; // the stack is a product process, not a test
  // STACK_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the stack under a benchmark's load.
  const nodeArgs = (process.env.STACK_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'functions/local/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can kill the stack and every process it started at once (kill -9 -PGID).
    detached: options.detached ?? false,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack not ready after ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /^ready (http:\/\/\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code} before ready:\n${out}`));
    });
  });
  const endpoints: Record<string, string> = {};
  for (const m of out.matchAll(/^ {2}(\w+)\s+(http:\/\/\S+)/gm)) endpoints[m[1]!] = m[2]!;
  const grpc = /^ {2}grpc\s+(\S+)/m.exec(out)?.[1] ?? '';
  return {
    api,
    grpc,
    endpoints,
    child,
    dataDir,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (options.detached) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      const code = await exited;
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
