import { type Server, type Socket, createServer } from 'node:net';
import iconv from 'iconv-lite';
import { hl7Field } from './mllp-client';

/** A clinic's HIS listening for results over MLLP: records what it receives and answers `ackCode`. */
export class ClinicEndpoint {
  readonly received: string[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly encoding: string,
    private readonly ackCode: 'AA' | 'AE',
  ) {}

  start(): Promise<void> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let buffer = Buffer.alloc(0);
      socket.on('data', (data: Buffer) => {
        buffer = Buffer.concat([buffer, data]);
        const end = buffer.indexOf(Buffer.from([0x1c, 0x0d]));
        if (end < 0) return;
        const message = iconv.decode(buffer.subarray(buffer.indexOf(0x0b) + 1, end), this.encoding);
        buffer = buffer.subarray(end + 2);
        this.received.push(message);
        const ack = `MSH|^~\\&|HIS|CLINIC|HUB|HUB|20261123||ACK|A${this.received.length}|P|2.5.1\rMSA|${this.ackCode}|${hl7Field(message, 'MSH', 10)}${this.ackCode === 'AE' ? '|patient unknown here' : ''}`;
        socket.write(
          Buffer.concat([
            Buffer.from([0x0b]),
            iconv.encode(ack, this.encoding),
            Buffer.from([0x1c, 0x0d]),
          ]),
        );
      });
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
