/**
 * A Postgres the chaos suite can stop and start: embedded PGlite on DATA_DIR, served on 127.0.0.1:PORT over the
 * wire protocol (as the local stack serves its own), in a process of its own. Prints `ready` once listening; SIGTERM
 * closes it cleanly, as a restarting server would. Never the machine's shared Postgres.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const [dataDir, port] = [process.env.DATA_DIR!, Number(process.env.PORT)];
const db = await PGlite.create(dataDir);
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 32 });
await server.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void server
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
