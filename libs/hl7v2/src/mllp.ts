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

/**
 * Collects bytes from a stream and yields each complete message (without framing). Bytes before a
 * start block are discarded (line noise, keep-alives); a frame larger than `maxBytes` is an error.
 */
export class MllpDecoder {
  private chunks: Buffer[] = [];
  private length = 0;
  private inFrame = false;

  constructor(private readonly maxBytes = 10 * 1024 * 1024) {}

  push(data: Buffer): Buffer[] {
    const messages: Buffer[] = [];
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
        const whole = Buffer.concat(this.chunks, this.length);
        messages.push(whole.subarray(0, whole.length - 1)); // drop the FS
        this.reset();
        start = i + 1;
      }
    }
    if (this.inFrame) this.append(data.subarray(start));
    return messages;
  }

  /** True while a frame has started but not ended. */
  get pending(): boolean {
    return this.inFrame;
  }

  private previousByte(data: Buffer, i: number, start: number): number | undefined {
    if (i > start) return data[i - 1];
    const last = this.chunks.at(-1);
    return last && last.length ? last[last.length - 1] : undefined;
  }

  private append(part: Buffer): void {
    if (!part.length) return;
    this.length += part.length;
    if (this.length > this.maxBytes) {
      this.reset();
      throw new MllpFrameError(`MLLP frame larger than ${this.maxBytes} bytes`);
    }
    this.chunks.push(part);
  }

  private reset(): void {
    this.chunks = [];
    this.length = 0;
    this.inFrame = false;
  }
}
