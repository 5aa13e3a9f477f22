// The baseline for bench/api-poll.ts: a bare Node HTTP server answering every request with the same JSON bytes
// the API returns for GET /v1/jobs/{id}. Started as its own process, like the stack, so both get a core.
import http from 'node:http';

const body = Buffer.from(process.env.BARE_BODY ?? '{}');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`ready http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
