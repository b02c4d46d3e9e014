/**
 * MLLP framing (HL7 v2 Minimal Lower Layer Protocol): each message travels as
 * `0x0B <message bytes> 0x1C 0x0D`. Written here because the MLLP libraries on npm decode every
 * frame with one character set fixed per connection and assume one message per TCP chunk; the hub
 * must read MSH-18 of each message and cope with frames split across, or packed into, chunks.
 */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Wraps message bytes in an MLLP frame. */
export function frame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from([VT]), message, Buffer.from([FS, CR])]);
}

export class MllpFrameError extends Error {}

/** What {@link MllpDecoder.pushFrames} read: a whole message, or a frame over the size limit. */
export type MllpFrame =
  | { message: Buffer }
  | {
      /** The frame's first bytes (up to {@link OVERSIZE_HEAD_BYTES}), enough for its MSH. */
      oversize: Buffer;
      /** The frame's whole length in bytes. */
      length: number;
    };

/** How much of an oversized frame is kept: its MSH, to address the refusal. */
export const OVERSIZE_HEAD_BYTES = 64 * 1024;

/**
 * Collects bytes from a stream and yields each complete message (without framing). Bytes before a
 * start block are discarded (line noise, keep-alives). A frame larger than `maxBytes` is not kept:
 * {@link pushFrames} reads past it to its end block and reports it with its first bytes, so the
 * sender can be answered and the connection goes on; {@link push} throws MllpFrameError.
 */
export class MllpDecoder {
  private chunks: Buffer[] = [];
  private length = 0;
  private inFrame = false;
  /** The start of the current frame once it has grown past `maxBytes` (the rest is skipped). */
  private head?: Buffer;

  constructor(private readonly maxBytes = 10 * 1024 * 1024) {}

  /** The complete messages in `data`; throws MllpFrameError on a frame over the size limit. */
  push(data: Buffer): Buffer[] {
    return this.pushFrames(data).map((frame) => {
      if ('message' in frame) return frame.message;
      throw new MllpFrameError(`MLLP frame larger than ${this.maxBytes} bytes`);
    });
  }

  /** The complete frames in `data`, in order: messages, and frames over the size limit. */
  pushFrames(data: Buffer): MllpFrame[] {
    const frames: MllpFrame[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (!this.inFrame) {
        if (byte === VT) {
          this.inFrame = true;
          start = i + 1;
        }
        continue;
      }
      if (byte === CR && this.previousByte(data, i, start) === FS) {
        this.append(data.subarray(start, i));
        if (this.head) frames.push({ oversize: this.head, length: this.length - 1 });
        else {
          const whole = Buffer.concat(this.chunks, this.length);
          frames.push({ message: whole.subarray(0, whole.length - 1) }); // drop the FS
        }
        this.reset();
        start = i + 1;
      }
    }
    if (this.inFrame) this.append(data.subarray(start));
    return frames;
  }

  /** True while a frame has started but not ended. */
  get pending(): boolean {
    return this.inFrame;
  }

  private previousByte(data: Buffer, i: number, start: number): number | undefined {
    if (i > start) return data[i - 1];
    if (this.head) return this.lastSkipped;
    const last = this.chunks.at(-1);
    return last && last.length ? last[last.length - 1] : undefined;
  }

  /** The last byte of an oversized frame read so far (its end block may straddle two chunks). */
  private lastSkipped?: number;

  private append(part: Buffer): void {
    if (!part.length) return;
    this.length += part.length;
    if (this.head) {
      this.lastSkipped = part[part.length - 1];
      return;
    }
    this.chunks.push(part);
    if (this.length > this.maxBytes) {
      this.head = Buffer.concat(this.chunks).subarray(0, OVERSIZE_HEAD_BYTES);
      this.lastSkipped = part[part.length - 1];
      this.chunks = [];
    }
  }

  private reset(): void {
    this.chunks = [];
    this.length = 0;
    this.inFrame = false;
    this.head = undefined;
    this.lastSkipped = undefined;
  }
}
