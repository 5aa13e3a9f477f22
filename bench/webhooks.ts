/**
 * How soon results reach a client after a job completes, on the local stack (embedded PGlite, in-process cache):
 * for each of RUNS uploads of a 10 s WAV, the delay from the job's `updated_at` (when it was written completed)
 * to (a) the first webhook attempt arriving at a receiver on 127.0.0.1 and (b) the completed job arriving on the
 * events socket; and, with the receiver answering 500 first, the delay to the retry. One clock: the stack and this
 * process run on the same machine. Prints JSON on stdout.
 *
 *   npm run bench:webhooks
 */
import WebSocket from 'ws';
import { ApiClient } from '../test/support/api-client.ts';
import { startStackProcess } from '../test/support/local-stack-process.ts';
import { WebhookReceiver } from '../test/support/webhook-receiver.ts';
import { benchModel, speechWav } from './stack-inputs.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const wav = speechWav(10);
const progress = (line: string) => process.stderr.write(`bench:webhooks ${line}\n`);
const stack = await startStackProcess({ MODEL_MANIFEST: benchModel, LOG_LEVEL: 'ERROR' });
progress(`stack up at ${stack.api}`);
const receiver = await new WebhookReceiver().start();
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median_ms: s[Math.floor(s.length / 2)], min_ms: s[0], max_ms: s[s.length - 1], runs_ms: xs };
};
try {
  const client = new ApiClient(stack.api);
  await client.signUp();
  const hook = await client.call('POST', '/v1/webhooks', { url: receiver.url, events: ['job.completed'] });
  receiver.secrets = [hook.json.secret];
  const ticket = await client.call('POST', '/v1/events/tickets');
  const socketAt = new Map<string, number>();
  const ws = new WebSocket(ticket.json.url);
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.type === 'job' && m.job.status === 'completed' && !socketAt.has(m.job.id))
      socketAt.set(m.job.id, Date.now());
  });
  await new Promise((r) => ws.once('open', r));
  progress('events socket open');
  const webhook: number[] = [];
  const socket: number[] = [];
  const retry: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Every other run the receiver answers the first attempt with 500: the retry is timed too.
    const expected = i % 2 === 0 ? 2 : 1;
    if (expected === 2) receiver.script.push(500);
    const before = receiver.received.length;
    const slot = await client.requestUpload('bench.wav', 'audio/wav', wav.length);
    await ApiClient.postToS3(slot, wav, 'bench.wav', 'audio/wav');
    const job = await client.waitForJob(slot.job_id, 120_000, 50);
    const done = Date.parse(job.updated_at);
    const got = (await receiver.waitFor(before + expected, 30_000)).slice(before);
    if (!got.every((r) => r.verified && r.json.data.job.id === slot.job_id)) throw new Error('bad delivery');
    webhook.push(got[0]!.at - done);
    if (expected === 2) retry.push(got[1]!.at - got[0]!.at);
    const deadline = Date.now() + 5000;
    while (!socketAt.has(slot.job_id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.push(socketAt.get(slot.job_id)! - done);
    progress(`run ${i + 1}/${RUNS}: webhook ${webhook.at(-1)} ms, socket ${socket.at(-1)} ms`);
  }
  ws.close();
  console.log(
    JSON.stringify(
      {
        bench: 'results_reach_client',
        model: benchModel,
        audio_seconds: 10,
        runs: RUNS,
        first_webhook_attempt_after_completion: stats(webhook),
        events_socket_push_after_completion: stats(socket),
        retry_after_a_500: stats(retry),
      },
      null,
      2,
    ),
  );
} finally {
  await receiver.stop();
  await stack.stop();
}
