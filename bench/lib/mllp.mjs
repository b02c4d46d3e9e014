// MLLP framing (0x0B message 0x1C 0x0D) and a client connection, written out here instead of taken
// from the hub (dist/libs/hl7v2), so that the benchmark does not share the framing it measures.
import { connect } from 'node:net';

const START_BLOCK = 0x0b;
const END_BLOCK = Buffer.from([0x1c, 0x0d]);

/** One MLLP frame around `payload`. */
export function frame(payload) {
  return Buffer.concat([Buffer.from([START_BLOCK]), payload, END_BLOCK]);
}

/** Collects bytes from a stream and hands back each complete message (without its framing). */
export class FrameReader {
  buffer = Buffer.alloc(0);

  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const messages = [];
    for (;;) {
      const start = this.buffer.indexOf(START_BLOCK);
      if (start < 0) {
        this.buffer = Buffer.alloc(0); // bytes outside a frame are noise
        return messages;
      }
      const end = this.buffer.indexOf(END_BLOCK, start + 1);
      if (end < 0) {
        this.buffer = this.buffer.subarray(start);
        return messages;
      }
      messages.push(this.buffer.subarray(start + 1, end));
      this.buffer = this.buffer.subarray(end + END_BLOCK.length);
    }
  }
}

/**
 * One persistent MLLP connection used as a HIS uses it: send a message, wait for its ACK, then send
 * the next. At most one request is outstanding, so an ACK always belongs to the last message sent.
 */
export class MllpConnection {
  #socket;
  #reader = new FrameReader();
  #pending;

  constructor(socket) {
    this.#socket = socket;
    socket.setNoDelay(true); // small request/answer frames: Nagle would add latency to each
    socket.on('data', (chunk) => {
      for (const message of this.#reader.push(chunk)) this.#settle(undefined, message);
    });
    socket.on('error', (error) => this.#settle(error));
    socket.on('close', () => this.#settle(new Error('connection closed before the ACK')));
  }

  /** Opens a connection to 127.0.0.1:`port` (loopback only: the benchmark never leaves the box). */
  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new MllpConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one message and resolves with the payload of the next frame received (the ACK). */
  request(payload, timeoutMs) {
    if (this.#pending) return Promise.reject(new Error('a request is already outstanding'));
    if (this.#socket.destroyed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#settle(new Error(`no ACK within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#pending = { resolve, reject, timer };
      this.#socket.write(frame(payload));
    });
  }

  #settle(error, message) {
    const pending = this.#pending;
    if (!pending) return; // an ACK nobody waits for (after a time-out): the caller reconnects
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(message);
  }

  close() {
    this.#socket.end();
  }

  destroy() {
    this.#socket.destroy();
  }
}
