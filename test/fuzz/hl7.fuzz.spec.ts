import iconv from 'iconv-lite';
import { residentIdCheckChar } from '@hub/identity';
import {
  DatabaseWatch,
  FUZZ_CASES,
  FUZZ_SEED,
  OracleViolation,
  REQUEST_TIMEOUT_MS,
  type Rng,
  type Verdict,
  expectHubAlive,
  hostileStrings,
  junkBytes,
  mutateBytes,
  runCampaign,
  summarise,
  unexpectedErrors,
} from '../support/fuzz-kit';
import { type RunningHub, startHub } from '../support/hub-harness';
import { MllpClient, hl7Field } from '../support/mllp-client';

jest.setTimeout(60 * 60_000);

/** A valid order (ORM^O01 / OML^O21) or analyser result (ORU^R01), drawn from the case's generator. */
function validMessage(rng: Rng, index: number): { segments: string[]; charset: string } {
  const birth = `${rng.int(1940, 2010)}${String(rng.int(1, 13)).padStart(2, '0')}${String(rng.int(1, 29)).padStart(2, '0')}`;
  const body = `110105${birth}${String(rng.int(0, 1000)).padStart(3, '0')}`;
  const residentId = body + residentIdCheckChar(body);
  const sex = Number(residentId[16]) % 2 ? 'M' : 'F';
  const charset = rng.pick(['UNICODE UTF-8', 'GB 18030-2000', '']);
  const control = `FZ${FUZZ_SEED}-${index}`;
  if (rng.chance(0.2)) {
    return {
      charset,
      segments: [
        `MSH|^~\\&|LIS|LAB|HUB|HUB|20261123093000+0800||ORU^R01^ORU_R01|${control}|P|2.5.1|||||CHN|${charset}`,
        `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN||王^小明||${birth}|${sex}`,
        // A filler number the hub never issues: whether an order of this run got it would
        // depend on timing, and the case must answer the same when sent again.
        `OBR|1||HUB20991231${String(index).padStart(6, '0')}|2823-3^Potassium^LN|||20261123082000`,
        `OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|3.5-5.1|N|||F|||20261123090000`,
      ],
    };
  }
  const type = rng.pick(['ORM^O01^ORM_O01', 'OML^O21^OML_O21']);
  const [code, system] = rng.pick([
    ['2823-3', 'LN'],
    ['IMG-CT-HEAD', 'L'],
    ['11524-6', 'LN'],
  ]);
  return {
    charset,
    segments: [
      `MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123083000+0800||${type}|${control}|P|2.5.1|||||CHN|${charset}`,
      `PID|1||${residentId}^^^&2.16.156.10011.1.3&ISO^NNCHN~MRN-${index}^^^CLINIC-A^MR||欧阳^娜娜||${birth}|${sex}`,
      `ORC|${rng.pick(['NW', 'NW', 'NW', 'CA'])}|P-FZ-${FUZZ_SEED}-${index}^HIS|||||^^^^^R`,
      `OBR|1|||${code}^Test^${system}|||20261123082000`,
    ],
  };
}

const BAD_DATES = [
  '20261345',
  '20260230',
  '2026',
  '0',
  '99999999999999',
  'yesterday',
  '',
  '2026-11-23',
];
const CHARSETS = [
  'ISO IR87',
  'EBCDIC',
  'UNICODE UTF-16',
  '8859/1',
  'GB 18030-2000',
  'UNICODE UTF-8',
  'x'.repeat(300),
];

/**
 * Segment- and field-level mutations of a valid message: delete, duplicate and swap segments and
 * fields, hostile and huge values, bad dates, wrong message types and encoding characters, a
 * charset that is not the one the bytes are in, many segments; then truncation and byte flips of
 * the bytes; and junk.
 */
function mutate(
  rng: Rng,
  valid: { segments: string[]; charset: string },
  strings: string[],
): { kind: string; bytes: Buffer } {
  if (rng.chance(0.04)) return { kind: 'junk-bytes', bytes: junkBytes(rng) };
  const segments = valid.segments.map((s) => s.split('|'));
  const kinds: string[] = [];
  for (let n = rng.int(1, 4); n > 0; n--) {
    const s = rng.int(0, segments.length);
    const fields = segments[s];
    const f = rng.int(1, Math.max(2, fields.length));
    switch (rng.int(0, 12)) {
      case 0:
        segments.splice(s, 1);
        kinds.push('delete-segment');
        break;
      case 1:
        segments.splice(s, 0, [...fields]);
        kinds.push('duplicate-segment');
        break;
      case 2: {
        const t = rng.int(0, segments.length);
        [segments[s], segments[t]] = [segments[t], segments[s]];
        kinds.push('swap-segments');
        break;
      }
      case 3:
        fields.splice(f, 1);
        kinds.push('delete-field');
        break;
      case 4: {
        const g = rng.int(1, Math.max(2, fields.length));
        [fields[f], fields[g]] = [fields[g] ?? '', fields[f] ?? ''];
        kinds.push('swap-fields');
        break;
      }
      case 5:
        fields[f] = rng.pick(strings);
        kinds.push('hostile-field');
        break;
      case 6: {
        // MSH-7, PID-7 and OBR-7 hold dates; any field may get one.
        const at = rng.pick([6, 7, f]);
        fields[at] = rng.pick(BAD_DATES);
        kinds.push('bad-date');
        break;
      }
      case 7:
        segments[0][8] = rng.pick([
          'ORM^O01',
          'ADT^A01',
          'ORU^R01^ORU_R01',
          '',
          '^^^',
          'ACK',
          'OML^O21^OML_O21^X^Y',
        ]);
        kinds.push('message-type');
        break;
      case 8:
        segments[0][1] = rng.pick(['', '^', '^~\\&#', '||||', '\\\\\\\\', 'abcd']);
        kinds.push('encoding-characters');
        break;
      case 9:
        segments[0][17] = rng.pick(CHARSETS);
        kinds.push('charset');
        break;
      case 10:
        for (let i = rng.pick([50, 500, 5000]); i > 0; i--) segments.push([...fields]);
        kinds.push('many-segments');
        break;
      default:
        fields[f] = rng.pick(['^', '~', '&', '\\']).repeat(rng.pick([10, 1000, 50_000]));
        kinds.push('huge-field');
    }
  }
  const text = segments
    .map((fields) => fields.join('|'))
    .join(rng.chance(0.9) ? '\r' : rng.pick(['\n', '\r\n', '']));
  // The bytes in the declared charset, or deliberately in another one.
  const encoding = rng.chance(0.1)
    ? rng.pick(['utf16le', 'gb18030', 'latin1'])
    : valid.charset.startsWith('GB')
      ? 'gb18030'
      : 'utf8';
  if (encoding !== 'utf8' && !valid.charset.startsWith('GB')) kinds.push('other-encoding');
  let bytes = iconv.encode(text, encoding);
  if (rng.chance(0.15)) {
    bytes = mutateBytes(rng, bytes);
    kinds.push('bytes');
  }
  return { kind: kinds.join('+'), bytes };
}

/**
 * A pool of MLLP connections. The MLLP start and end bytes inside a message would cut it in two on
 * any MLLP link (the framing has no escape), so mutants carry none: framing is the transport's
 * business, the content is what is fuzzed here.
 */
class MllpPool {
  private next = 0;
  constructor(private readonly clients: MllpClient[]) {}

  send(bytes: Buffer): Promise<string> {
    const client = this.clients[this.next++ % this.clients.length];
    return client.sendRaw(bytes, REQUEST_TIMEOUT_MS);
  }
}

/** The HL7 oracle: an ACK, AA (a valid mutant) or AE/AR with an ERR segment. */
function judgeAck(ack: string): Verdict {
  const code = hl7Field(ack, 'MSA', 1);
  if (code === 'AA' || code === 'CA') return { outcome: 'accepted', answer: code };
  if (code !== 'AE' && code !== 'AR' && code !== 'CE' && code !== 'CR')
    throw new OracleViolation(
      `an ACK without MSA-1 AA/AE/AR: ${JSON.stringify(ack.slice(0, 300))}`,
    );
  const err = ack.split('\r').find((segment) => segment.startsWith('ERR|'));
  if (!err || err.length < 8)
    throw new OracleViolation(
      `${code} without an ERR segment that names the problem: ${JSON.stringify(ack.slice(0, 300))}`,
    );
  return { outcome: 'refused', answer: code };
}

/**
 * HL7 v2 messages over real MLLP connections, mutated from valid orders and results: every one
 * answered with an ACK (AE/AR with an ERR that names the problem, or AA when the mutant is valid),
 * no connection dropped, no message unanswered, and the tables unchanged by every refused one.
 */
describe('bad input: HL7 v2 over MLLP (fuzz)', () => {
  let hub: RunningHub;
  let watch: DatabaseWatch;
  const clients: MllpClient[] = [];

  beforeAll(async () => {
    hub = await startHub({ env: { API_RATE_PER_MINUTE: '1000000' } });
    for (let i = 0; i < 4; i++) clients.push(await MllpClient.connect(hub.hl7Port));
    watch = await DatabaseWatch.open(hub);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await watch?.close();
    await hub?.shutdown();
  });

  it(`answers ${FUZZ_CASES} mutated messages with an ACK: AE/AR with ERR, or AA when valid`, async () => {
    const strings = hostileStrings(FUZZ_SEED);
    const pool = new MllpPool(clients);
    const result = await runCampaign({
      name: 'HL7',
      watch,
      generate: (rng, index) => {
        const mutant = mutate(rng, validMessage(rng, index), strings);
        const bytes = Buffer.from(mutant.bytes.filter((b) => b !== 0x0b && b !== 0x1c));
        return { kind: mutant.kind, input: bytes };
      },
      send: async (bytes) => {
        const ack = await pool.send(bytes).catch((error: Error) => {
          throw new OracleViolation(error.message);
        });
        return judgeAck(ack);
      },
      show: (bytes) => bytes.toString('latin1'),
    });
    console.log(summarise('HL7', result));
    // A 500's stack, from the apps' log, beside the inputs that caused it.
    for (const line of unexpectedErrors(hub).slice(0, 10)) console.log(line.slice(0, 3000));
    expect(result.failures).toEqual([]);
    expect(result.refused).toBeGreaterThan(result.cases / 2);
    expect(result.refusedChecked).toBe(result.refused);
    // Every connection is still usable.
    for (const client of clients)
      expect(hl7Field(await client.sendRaw(Buffer.from('not HL7')), 'MSA', 1)).toBe('AR');
    await expectHubAlive(hub);
  });
});
