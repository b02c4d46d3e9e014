import { type Socket, connect } from 'node:net';
import iconv from 'iconv-lite';

/**
 * A plain MLLP client, as a clinic's HIS or an interface engine would use: one persistent
 * connection, send a message, wait for the framed ACK. Framing is written out here on purpose
 * (independent of the hub's own decoder).
 */
export class MllpClient {
  private buffer = Buffer.alloc(0);
  private waiting: Array<(ack: Buffer) => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      for (;;) {
        const start = this.buffer.indexOf(0x0b);
        const end = this.buffer.indexOf(Buffer.from([0x1c, 0x0d]));
        if (start < 0 || end < 0) return;
        const ack = this.buffer.subarray(start + 1, end);
        this.buffer = this.buffer.subarray(end + 2);
        this.waiting.shift()?.(ack);
      }
    });
  }

  static connect(port: number): Promise<MllpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new MllpClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one message (segments joined by CR) in `encoding` and resolves with the decoded ACK. */
  send(message: string, encoding = 'utf-8', timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ACK within the time limit')), timeoutMs);
      this.waiting.push((ack) => {
        clearTimeout(timer);
        resolve(iconv.decode(ack, encoding));
      });
      this.socket.write(
        Buffer.concat([
          Buffer.from([0x0b]),
          iconv.encode(message, encoding),
          Buffer.from([0x1c, 0x0d]),
        ]),
      );
    });
  }

  /** Sends raw bytes exactly as given (for malformed input). */
  sendRaw(bytes: Buffer, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ACK within the time limit')), timeoutMs);
      this.waiting.push((ack) => {
        clearTimeout(timer);
        resolve(ack.toString('utf8'));
      });
      this.socket.write(Buffer.concat([Buffer.from([0x0b]), bytes, Buffer.from([0x1c, 0x0d])]));
    });
  }

  close(): void {
    this.socket.end();
  }
}

/** A field of an ER7 message by segment name and standard field number (MSH counted as the standard does). */
export function hl7Field(message: string, segment: string, field: number): string {
  const line = message.split('\r').find((s) => s.startsWith(`${segment}|`));
  if (!line) return '';
  const parts = line.split('|');
  return segment === 'MSH' ? (parts[field - 1] ?? '') : (parts[field] ?? '');
}
