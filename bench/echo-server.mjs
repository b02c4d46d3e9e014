// The baseline: a bare MLLP server that answers every message at once with a minimal ACK (MSA-1 AA,
// MSA-2 the message's control id) and does nothing else. Run as its own process, like the gateway,
// so that the client is measured under the same conditions against both.
// Usage: node bench/echo-server.mjs [port]  (0 or none = any free port; prints "listening <port>")
import { createServer } from 'node:net';
import { FrameReader, frame } from './lib/mllp.mjs';

/** MSH-10 of an ER7 message: the field after the 9th separator of the first segment. */
function controlId(message) {
  const msh = message.toString('latin1', 0, Math.min(message.length, 512)).split('\r', 1)[0];
  return msh.split('|')[9] ?? '';
}

function ack(message) {
  return Buffer.from(
    `MSH|^~\\&|HUB|HUB|||20261123083000+0800||ACK^O01^ACK|A${controlId(message)}|P|2.5.1\r` +
      `MSA|AA|${controlId(message)}`,
    'latin1',
  );
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  const reader = new FrameReader();
  socket.on('data', (chunk) => {
    for (const message of reader.push(chunk)) socket.write(frame(ack(message)));
  });
  socket.on('error', () => socket.destroy()); // a client that goes away is no concern of ours
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
