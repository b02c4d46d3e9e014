// The recognition benchmark's HTTP baseline: a bare Express server (the framework under the
// gateway's Nest app) that takes `POST /fhir/ServiceRequest/$recognition-check` with a JSON body
// parser, as the gateway does, and answers 200 with the parsed body at once: no auth, no hub.
// Run as its own process, like the gateway, so the client is measured the same way against both.
// Usage: node bench/lib/recognition-echo-server.mjs [port]  (0 or none = any free port; prints "listening <port>")
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post(
  '/fhir/ServiceRequest/:operation',
  express.json({ type: ['application/json', 'application/fhir+json'], limit: '1mb' }),
  (request, response) => {
    response.status(200).type('application/fhir+json').send(JSON.stringify(request.body));
  },
);

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
