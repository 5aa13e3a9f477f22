/**
 * An SQS emulator the chaos suite can kill and start again: fauxqs (as the local stack runs it) on 127.0.0.1:PORT,
 * in a process of its own, so a restart loses every queue and message, as the emulator's own restart does. Prints
 * `ready` once listening.
 */
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
