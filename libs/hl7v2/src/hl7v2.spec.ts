import { buildAck, ErrorCodes, hl7DateTimeToIso, orderResponse } from './ack';
import { declaredCharset, decode, encode, UnsupportedCharsetError } from './charset';
import { Hl7ParseError, Hl7v2Message, escapeHl7 } from './message';
import { MllpDecoder, MllpFrameError, frame } from './mllp';

const ORM = [
  'MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000||ORM^O01^ORM_O01|MSG0001|P|2.5.1|||||CHN|UNICODE UTF-8',
  'PID|1||11010519491231002X^^^&2.16.156.10011.1.3&ISO^NNCHN~M1^^^CLINIC-A^MR||张^三||19491231|M',
  'ORC|NW|P-1',
  'OBR|1|P-1||2823-3^Potassium^LN|||20261123082000',
  'NTE|1||fasting \\F\\ morning \\T\\ \\X41\\',
].join('\r');

describe('MLLP framing', () => {
  it('finds messages split across chunks and packed into one chunk', () => {
    const decoder = new MllpDecoder();
    const one = frame(Buffer.from('MSH|a'));
    const two = frame(Buffer.from('MSH|b'));
    const stream = Buffer.concat([Buffer.from('noise'), one, two]);
    const out = [
      ...decoder.push(stream.subarray(0, 9)),
      ...decoder.push(stream.subarray(9, 13)),
      ...decoder.push(stream.subarray(13)),
    ];
    expect(out.map((b) => b.toString())).toEqual(['MSH|a', 'MSH|b']);
    expect(decoder.pending).toBe(false);
  });

  it('handles the end block split between chunks', () => {
    const decoder = new MllpDecoder();
    const bytes = frame(Buffer.from('MSH|x'));
    expect(decoder.push(bytes.subarray(0, bytes.length - 1))).toEqual([]);
    expect(decoder.push(bytes.subarray(bytes.length - 1)).map((b) => b.toString())).toEqual([
      'MSH|x',
    ]);
  });

  it('reads past a frame over the size limit to its end and goes on with the next', () => {
    const decoder = new MllpDecoder(10);
    const big = frame(Buffer.from(`MSH|big${'x'.repeat(40)}`));
    const next = frame(Buffer.from('MSH|next'));
    const bytes = Buffer.concat([big, next]);
    // Fed in chunks of 3 bytes, so the end block straddles chunks.
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3)
      frames.push(...decoder.pushFrames(bytes.subarray(i, i + 3)));
    expect(frames).toEqual([
      { oversize: expect.any(Buffer) as Buffer, length: big.length - 3 },
      { message: Buffer.from('MSH|next') },
    ]);
    const [oversized] = frames as Array<{ oversize: Buffer }>;
    expect(oversized.oversize.toString()).toMatch(/^MSH\|big/);
  });

  it('refuses a frame over the size limit', () => {
    const decoder = new MllpDecoder(10);
    expect(() => decoder.push(frame(Buffer.alloc(20, 65)))).toThrow(MllpFrameError);
  });
});

describe('character sets', () => {
  it('reads MSH-18 and decodes GB 18030 Chinese names', () => {
    const text = ORM.replace('UNICODE UTF-8', 'GB 18030-2000');
    const raw = encode(text, 'gb18030');
    const { encoding, declared } = declaredCharset(raw);
    expect({ encoding, declared }).toEqual({ encoding: 'gb18030', declared: 'GB 18030-2000' });
    const message = Hl7v2Message.parse(decode(raw, encoding));
    expect(message.segment('PID')?.get(5, 1)).toBe('张');
  });

  it('defaults to UTF-8 and refuses an unknown character set', () => {
    expect(declaredCharset(Buffer.from('MSH|^~\\&|A|B')).encoding).toBe('utf-8');
    expect(() => declaredCharset(Buffer.from(ORM.replace('UNICODE UTF-8', 'EBCDIC')))).toThrow(
      UnsupportedCharsetError,
    );
  });
});

describe('HL7 v2 message', () => {
  const message = Hl7v2Message.parse(ORM);

  it('numbers MSH fields as the standard does', () => {
    expect(message.messageType).toBe('ORM^O01');
    expect(message.controlId).toBe('MSG0001');
    expect(message.segment('MSH')?.get(4)).toBe('CLINIC-A');
  });

  it('reads repetitions, components and subcomponents', () => {
    const pid = message.segment('PID')!;
    expect(pid.repetitions(3)).toHaveLength(2);
    expect(pid.get(3, 4, 2)).toBe('2.16.156.10011.1.3');
    expect(pid.get(3, 5, 1, 1)).toBe('MR');
  });

  it('decodes escape sequences', () => {
    expect(message.segment('NTE')?.get(3)).toBe('fasting | morning & A');
    expect(escapeHl7('a|b^c&d~e\\f')).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
  });

  it('refuses what is not HL7', () => {
    expect(() => Hl7v2Message.parse('hello')).toThrow(Hl7ParseError);
  });
});

describe('ACK', () => {
  it('answers to the sender, echoes its character set and names the problem in ERR', () => {
    const request = Hl7v2Message.parse(ORM);
    const ack = Hl7v2Message.parse(
      buildAck({
        request,
        code: 'AE',
        controlId: 'ACK1',
        errors: [
          {
            code: ErrorCodes.RequiredFieldMissing,
            text: 'PID-3: no identifier',
            location: { segment: 'PID', field: 3 },
          },
        ],
      }),
    );
    const msh = ack.segment('MSH')!;
    expect([msh.get(3), msh.get(4), msh.get(5), msh.get(6)]).toEqual([
      'HUB',
      'HUB',
      'HIS',
      'CLINIC-A',
    ]);
    expect(msh.get(9, 1)).toBe('ACK');
    expect(msh.get(18)).toBe('UNICODE UTF-8');
    expect(ack.segment('MSA')?.get(1)).toBe('AE');
    expect(ack.segment('MSA')?.get(2)).toBe('MSG0001');
    expect(ack.segment('ERR')?.get(3)).toBe('101');
    expect(ack.segment('ERR')?.get(2, 1)).toBe('PID');
    expect(ack.segment('ERR')?.get(8)).toBe('PID-3: no identifier');
  });
});

describe('hl7DateTimeToIso', () => {
  it('reads a DTM with and without an offset', () => {
    expect(hl7DateTimeToIso('20261123083000+0800')).toBe('2026-11-23T00:30:00.000Z');
    expect(hl7DateTimeToIso('202611230830')).toBe('2026-11-23T00:30:00.000Z');
    expect(hl7DateTimeToIso('20261323')).toBeUndefined();
    expect(hl7DateTimeToIso('yesterday')).toBeUndefined();
  });
});

describe('order responses', () => {
  const order = {
    control: 'OK' as const,
    placer: 'P-1',
    filler: 'HUB20261123000001',
    code: '2823-3',
    codeSystem: 'http://loinc.org',
    accession: 'L261123000001',
    specimenType: 'serum-k',
  };

  it('answers OML^O21 with ORL^O22 carrying the accession number in SPM-2', () => {
    const response = orderResponse('OML^O21', [order]);
    expect(response?.messageType).toBe('ORL^O22^ORL_O22');
    expect(response?.segments).toEqual([
      'ORC|OK|P-1|HUB20261123000001^HUB',
      'OBR|1|P-1|HUB20261123000001^HUB|2823-3^^LN',
      'SPM|1|^L261123000001&HUB||serum-k^^99HUB',
    ]);
  });

  it('answers ORM^O01 with ORR^O02, the accession number in OBR-20', () => {
    const response = orderResponse('ORM^O01', [{ ...order, control: 'CR' }]);
    expect(response?.messageType).toBe('ORR^O02^ORR_O02');
    expect(response?.segments[0]).toBe('ORC|CR|P-1|HUB20261123000001^HUB');
    expect(response?.segments[1].split('|')[20]).toBe('L261123000001');
    expect(orderResponse('ORU^R01', [order])).toBeUndefined();
  });

  it('puts an imaging accession number in OBR-20 of either response', () => {
    const imaging = {
      ...order,
      code: 'IMG-CT-HEAD',
      codeSystem: 'urn:hub:catalogue',
      accession: 'I261123000001',
      specimenType: undefined,
    };
    const orl = orderResponse('OML^O21', [imaging]);
    expect(orl?.segments).toHaveLength(2);
    expect(orl?.segments[1].split('|')[20]).toBe('I261123000001');
  });
});
