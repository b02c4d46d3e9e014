// The ECG benchmark's HTTP baseline: a bare Express server (the framework under the gateway's Nest
// app) that takes `POST /api/ecg/recordings` with the same body parser and limit as the gateway
// (raw, application/dicom, 16 MB) and answers 201 with a small JSON at once: no auth, no hub.
// Run as its own process, like the gateway, so the client is measured the same way against both.
// Usage: node bench/lib/ecg-echo-server.mjs [port]  (0 or none = any free port; prints "listening <port>")
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post(
  '/api/ecg/recordings',
  express.raw({ type: 'application/dicom', limit: '16mb' }),
  (request, response) => {
    response.status(201).json({ bytes: Buffer.isBuffer(request.body) ? request.body.length : 0 });
  },
);

const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
