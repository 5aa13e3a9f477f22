/**
 * The detector container's start to ready, for bench:cold-start: the entry-point bundles the image runs
 * (`container.mjs`: the worker; `stream.mjs`: the streaming service), started as fresh processes with the default
 * model, timed by their own ready log line (`startToReadyMs`, from the process's start: Node, module load, model
 * load and probe run, connections; the model is on disk here, where ECS may first fetch it from S3). The worker's
 * queue points at a closed port: it is ready once it starts polling, whatever the queue answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const READY: Record<string, string> = { container: 'worker started', stream: 'stream service ready' };

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** One start of `entry` (container or stream) from the bundles in `dir`: its startToReadyMs. */
export async function startToReady(dir: string, entry: string, env: NodeJS.ProcessEnv): Promise<number> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'realtone-ready-'));
  const child = spawn(process.execPath, [path.join(dir, `${entry}.mjs`)], {
    env: {
      ...env,
      LOG_LEVEL: 'INFO',
      STREAM_PORT: String(await freePort()),
      METRICS_PORT: '0',
      WORKER_HEARTBEAT_FILE: path.join(scratch, 'heartbeat'),
      WORKER_DRAIN_SECONDS: '1',
      STREAM_DRAIN_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${entry}: not ready in 60 s\n${output.slice(-800)}`)),
        60_000,
      );
      const onData = (d: Buffer) => {
        output += d;
        for (const line of output.split('\n')) {
          if (!line.includes(READY[entry]!) || !line.startsWith('{')) continue;
          const ms = (JSON.parse(line) as { startToReadyMs?: number }).startToReadyMs;
          clearTimeout(timer);
          if (typeof ms === 'number') resolve(ms);
          else reject(new Error(`${entry}: no startToReadyMs in ${line}`));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry}: exited ${code} before ready\n${output.slice(-800)}`));
      });
    });
  } finally {
    const running = child.exitCode === null && child.signalCode === null;
    const exited = running ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
    if (running) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    rmSync(scratch, { recursive: true, force: true });
  }
}
