import { type Server, type Socket, createServer } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ErrorCodes,
  Hl7v2Message,
  MllpDecoder,
  buildAck,
  declaredCharset,
  decode,
  encode,
  frame,
} from '@hub/hl7v2';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { Hl7InboundService } from './hl7-inbound.service';

/** The largest message taken (bytes); a larger frame is answered AR and skipped. */
const MAX_FRAME_BYTES = 10 * 1024 * 1024;
/** Messages read from one connection and not yet answered before reading pauses. */
const MAX_PENDING = 32;
/** A connection with no traffic for this long is closed (senders reconnect when they need to). */
const IDLE_TIMEOUT_MS = 30 * 60_000;

/**
 * AR for a message the hub could not even log (its database is unavailable): in original
 * acknowledgment mode AR is the system-level reject, which tells the sender to send it again later.
 */
export function unavailableAck(raw: Buffer): Buffer {
  return rejectAck(
    raw,
    "the hub's message store is unavailable; nothing was kept: send the message again later",
  );
}

/**
 * AR for a frame over the size limit, addressed from its first bytes (its MSH): nothing of it was
 * kept, and the connection goes on.
 */
export function oversizeAck(head: Buffer, length: number, maxBytes: number): Buffer {
  // The head ends mid-message: only its MSH segment is read.
  const msh = head.subarray(0, Math.max(0, head.indexOf(0x0d)) || head.length);
  return rejectAck(
    msh,
    `the message is ${length} bytes long; the hub takes messages up to ${maxBytes} bytes: nothing was kept`,
  );
}

/** An AR with one ERR, answering `raw` (MSA-2 its MSH-10 when it can be read). */
function rejectAck(raw: Buffer, text: string): Buffer {
  let request: Hl7v2Message | undefined;
  let encoding = 'utf-8';
  try {
    encoding = declaredCharset(raw).encoding;
    request = Hl7v2Message.parse(decode(raw, encoding));
  } catch {
    request = undefined;
  }
  const ack = buildAck({
    request,
    code: 'AR',
    controlId: `ACK${Date.now()}`,
    errors: [{ code: ErrorCodes.ApplicationInternalError, text }],
  });
  return encode(ack, encoding);
}

/**
 * The MLLP listener on HL7_PORT: persistent connections, many at once. Messages on one connection
 * are handled in order, each answered with its ACK before the next is read from the buffer.
 */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MllpListener.name);
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly inbound: Hl7InboundService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.HL7_PORT) return;
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.HL7_PORT, '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error({ err: error }, 'MLLP listener error'));
    this.server = server;
    this.logger.log({ port: this.config.HL7_PORT }, 'MLLP listener ready');
  }

  private serve(socket: Socket): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const decoder = new MllpDecoder(MAX_FRAME_BYTES);
    let chain = Promise.resolve();
    // Backpressure: a sender that pipelines faster than the hub stores is paused, not buffered.
    let pending = 0;
    this.sockets.add(socket);
    socket.setKeepAlive(true, 60_000);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => {
      this.logger.log({ peer }, 'MLLP connection idle; closing it');
      socket.end();
    });
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (error) =>
      this.logger.warn({ peer, error: error.message }, 'MLLP connection error'),
    );
    socket.on('data', (data: Buffer) => {
      // A frame over the size limit is read past and answered AR in its turn.
      const frames = decoder.pushFrames(data);
      for (const read of frames) {
        pending++;
        if (pending >= MAX_PENDING) socket.pause();
        chain = chain
          .then(() => {
            if ('message' in read) return this.answer(read.message, peer, socket);
            this.logger.warn(
              { peer, bytes: read.length, limit: MAX_FRAME_BYTES },
              'MLLP frame over the size limit refused',
            );
            return oversizeAck(read.oversize, read.length, MAX_FRAME_BYTES);
          })
          .then((ack) => {
            if (!socket.destroyed) socket.write(frame(ack));
          })
          .finally(() => {
            pending--;
            if (pending <= MAX_PENDING / 2 && socket.isPaused()) socket.resume();
          });
      }
    });
  }

  /** The ACK of one message; an AR when it could not even be logged. */
  private answer(message: Buffer, peer: string, socket: Socket): Promise<Buffer> {
    return this.inbound
      .handle(message, { transport: 'mllp', peer, address: socket.remoteAddress })
      .then((result) => result.ack)
      .catch((error: unknown) => {
        // Not even logged (the database is unreachable): say so, so the sender sends it again.
        this.logger.error({ peer, err: error }, 'MLLP message could not be stored');
        return unavailableAck(message);
      });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const socket of this.sockets) socket.end();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, 5000);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
