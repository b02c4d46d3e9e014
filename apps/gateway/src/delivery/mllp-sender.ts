import { connect } from 'node:net';
import { MllpDecoder, frame } from '@hub/hl7v2';

/** Opens a connection, sends one framed message and resolves with the first framed reply. */
export function sendOverMllp(
  host: string,
  port: number,
  message: Buffer,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoder = new MllpDecoder();
    const socket = connect({ host, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`no ACK from ${host}:${port} within ${timeoutMs} ms`)),
    );
    socket.once('error', (error) => fail(new Error(`${host}:${port}: ${error.message}`)));
    socket.once('connect', () => socket.write(frame(message)));
    socket.on('data', (data: Buffer) => {
      try {
        const [reply] = decoder.push(data);
        if (!reply) return;
        socket.end();
        resolve(reply);
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.once('close', () =>
      reject(new Error(`${host}:${port} closed the connection without an ACK`)),
    );
  });
}
