import { Hl7Message } from '@medplum/core';

/**
 * A parsed HL7 v2 message: segments, fields, repetitions, components, with escape sequences
 * decoded in the values returned. Splitting is done by @medplum/core's Hl7Message; escape
 * sequences (\F\ \S\ \T\ \R\ \E\ \Xhh..\) are decoded here, which that parser leaves as they are.
 */
export class Hl7v2Message {
  private constructor(
    readonly text: string,
    private readonly parsed: Hl7Message,
  ) {}

  /** Parses ER7 text; throws Hl7ParseError when it is not an HL7 v2 message. */
  static parse(text: string): Hl7v2Message {
    const normalized = text.replace(/\r\n|\n/g, '\r').replace(/\r+$/, '');
    if (!/^MSH[^A-Za-z0-9\r]/.test(normalized) || normalized.length < 8) {
      throw new Hl7ParseError('the message does not start with an MSH segment');
    }
    let parsed: Hl7Message;
    try {
      parsed = Hl7Message.parse(normalized);
    } catch (error) {
      throw new Hl7ParseError(`the message cannot be parsed: ${(error as Error).message}`);
    }
    return new Hl7v2Message(normalized, parsed);
  }

  get separators() {
    const msh = this.text;
    return {
      field: msh[3],
      component: msh[4] ?? '^',
      repetition: msh[5] ?? '~',
      escape: msh[6] ?? '\\',
      subcomponent: msh[7] ?? '&',
    };
  }

  /** Segment names in order. */
  get segmentNames(): string[] {
    return this.parsed.segments.map((s) => s.name);
  }

  /** Every segment with this name, in order. */
  segments(name: string): Hl7v2Segment[] {
    return this.parsed.segments
      .filter((s) => s.name === name)
      .map((s) => new Hl7v2Segment(s.toString(), this.separators));
  }

  segment(name: string): Hl7v2Segment | undefined {
    return this.segments(name)[0];
  }

  /** MSH-9 as `TYPE^EVENT` (e.g. ORM^O01). */
  get messageType(): string {
    const msh = this.segment('MSH');
    return [msh?.get(9, 1), msh?.get(9, 2)].filter(Boolean).join('^');
  }

  get controlId(): string {
    return this.segment('MSH')?.get(10) ?? '';
  }
}

export class Hl7ParseError extends Error {}

/** One segment. Field numbers follow the standard (MSH-3 is `get(3)` on MSH too). */
export class Hl7v2Segment {
  private readonly fields: string[];

  constructor(
    readonly text: string,
    private readonly separators: {
      field: string;
      component: string;
      repetition: string;
      escape: string;
      subcomponent: string;
    },
  ) {
    const parts = text.split(separators.field);
    // MSH-1 is the field separator itself: shift so numbering matches the standard.
    this.fields = parts[0] === 'MSH' ? ['MSH', separators.field, ...parts.slice(1)] : parts;
  }

  get name(): string {
    return this.fields[0];
  }

  /** The raw (escaped) field, all repetitions. */
  raw(field: number): string {
    return this.fields[field] ?? '';
  }

  /** Repetitions of a field, each split into components (raw). */
  repetitions(field: number): string[][] {
    const value = this.raw(field);
    if (this.name === 'MSH' && field <= 2) return [[value]];
    if (!value) return [];
    return value
      .split(this.separators.repetition)
      .map((rep) => rep.split(this.separators.component));
  }

  /**
   * A value, unescaped: field, component (1-based) and subcomponent (1-based) of the first
   * repetition (or of `repetition`).
   */
  get(field: number, component = 1, subcomponent = 1, repetition = 0): string {
    if (this.name === 'MSH' && field <= 2) return this.raw(field);
    const rep = this.repetitions(field)[repetition];
    const comp = rep?.[component - 1] ?? '';
    const sub = comp.split(this.separators.subcomponent)[subcomponent - 1] ?? '';
    return unescapeHl7(sub, this.separators);
  }
}

/** Decodes HL7 escape sequences in a value. */
export function unescapeHl7(
  value: string,
  separators: {
    field: string;
    component: string;
    repetition: string;
    escape: string;
    subcomponent: string;
  },
): string {
  const e = separators.escape;
  if (!value.includes(e)) return value;
  const pattern = new RegExp(`${escapeRegExp(e)}([^${escapeRegExp(e)}]*)${escapeRegExp(e)}`, 'g');
  return value.replace(pattern, (whole, code: string) => {
    switch (code[0]) {
      case 'F':
        return code.length === 1 ? separators.field : whole;
      case 'S':
        return code.length === 1 ? separators.component : whole;
      case 'T':
        return code.length === 1 ? separators.subcomponent : whole;
      case 'R':
        return code.length === 1 ? separators.repetition : whole;
      case 'E':
        return code.length === 1 ? separators.escape : whole;
      case 'X': {
        const hex = code.slice(1);
        if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return whole;
        return Buffer.from(hex, 'hex').toString('latin1');
      }
      case '.':
        return code === '.br' ? '\n' : whole;
      default:
        return whole;
    }
  });
}

/** Escapes the delimiters in a value for ER7. */
export function escapeHl7(value: string, separators = DEFAULT_SEPARATORS): string {
  const e = separators.escape;
  let out = '';
  for (const ch of value) {
    if (ch === e) out += `${e}E${e}`;
    else if (ch === separators.field) out += `${e}F${e}`;
    else if (ch === separators.component) out += `${e}S${e}`;
    else if (ch === separators.subcomponent) out += `${e}T${e}`;
    else if (ch === separators.repetition) out += `${e}R${e}`;
    else if (ch === '\r' || ch === '\n') out += `${e}.br${e}`;
    else out += ch;
  }
  return out;
}

export const DEFAULT_SEPARATORS = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
};

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
