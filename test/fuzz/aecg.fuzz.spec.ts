import type { Bundle, ServiceRequest, Task } from 'fhir/r4';
import { syntheticEcg, writeAecg } from '@hub/ecg';
import { clientToken } from '../support/auth-client';
import { makeOrderBundle, makePatient } from '../support/factories';
import {
  DatabaseWatch,
  FUZZ_CASES,
  FUZZ_SEED,
  type Rng,
  expectHubAlive,
  fetchWithin,
  hostileStrings,
  judgeHttp,
  junkBytes,
  mutateBytes,
  runCampaign,
  encodeQueryPart,
  summarise,
  unexpectedErrors,
} from '../support/fuzz-kit';
import { type RunningHub, eventually, startHub } from '../support/hub-harness';

jest.setTimeout(60 * 60_000);

const ECG_CODE = { system: 'http://loinc.org', code: '11524-6' };

/** Every element of the document: where its start tag begins and its end tag ends. */
function elements(xml: string): Array<{ name: string; start: number; end: number }> {
  const found: Array<{ name: string; start: number; end: number }> = [];
  const open: Array<{ name: string; start: number }> = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g;
  for (let match = tag.exec(xml); match; match = tag.exec(xml)) {
    const [text, closing, name, selfClosing] = match;
    if (selfClosing) found.push({ name, start: match.index, end: match.index + text.length });
    else if (!closing) open.push({ name, start: match.index });
    else {
      const opened = open.pop();
      if (opened) found.push({ name, start: opened.start, end: match.index + text.length });
    }
  }
  return found;
}

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE AnnotatedECG [<!ENTITY a "aaaaaaaaaa">' +
  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">' +
  '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">' +
  '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>';
const EXTERNAL_ENTITY =
  '<?xml version="1.0"?><!DOCTYPE AnnotatedECG [<!ENTITY x SYSTEM "file:///etc/passwd">]>';

/**
 * Mutations of a valid aECG document from the project's writer: delete, duplicate and move
 * elements, hostile and out-of-range attribute values, broken digit lists, another declared
 * encoding, entity expansion and external entities, deep nesting, a foreign root; then truncation
 * and byte flips; and junk.
 */
function mutate(rng: Rng, valid: string, strings: string[]): { kind: string; body: Buffer } {
  if (rng.chance(0.04)) return { kind: 'junk-bytes', body: junkBytes(rng) };
  let xml = valid;
  const kinds: string[] = [];
  for (let n = rng.int(1, 4); n > 0; n--) {
    const all = elements(xml);
    // An earlier mutation may have left no element at all: then there is nothing to mutate.
    if (all.length === 0) break;
    const element = rng.pick(all);
    switch (rng.int(0, 11)) {
      case 0:
        xml = xml.slice(0, element.start) + xml.slice(element.end);
        kinds.push(`delete-${element.name}`);
        break;
      case 1: {
        const copy = xml.slice(element.start, element.end);
        xml = xml.slice(0, element.end) + copy + xml.slice(element.end);
        kinds.push(`duplicate-${element.name}`);
        break;
      }
      case 2: {
        const cut = xml.slice(element.start, element.end);
        const rest = xml.slice(0, element.start) + xml.slice(element.end);
        const at = rng.pick(elements(rest))?.start ?? 0;
        xml = rest.slice(0, at) + cut + rest.slice(at);
        kinds.push(`move-${element.name}`);
        break;
      }
      case 3:
      case 4: {
        const attributes = [...xml.matchAll(/ ([\w:]+)="([^"]*)"/g)];
        if (attributes.length === 0) break;
        const attribute = rng.pick(attributes);
        const value = rng.pick([
          ...strings.map((s) => s.replace(/[<&"]/g, '')),
          '-1',
          '0',
          '1e308',
          'NaN',
          '',
          '20261345',
          '99999999999999',
          'uV',
          'ms',
          'banana',
        ]);
        const at = attribute.index ?? 0;
        xml = `${xml.slice(0, at)} ${attribute[1]}="${value}"${xml.slice(at + attribute[0].length)}`;
        kinds.push(`attribute-${attribute[1]}`);
        break;
      }
      case 5: {
        const digits = [...xml.matchAll(/<digits>([^<]*)<\/digits>/g)];
        if (!digits.length) break;
        const list = rng.pick(digits);
        const values = list[1].trim().split(/\s+/);
        const broken = rng.pick([
          values.slice(0, rng.int(0, values.length)).join(' '),
          values.map((v) => (rng.chance(0.01) ? 'x' : v)).join(' '),
          values.map(() => '99999999999999999999').join(' '),
          `${values.join(' ')} ${values.join(' ')}`,
          values.join(','),
          '',
        ]);
        const at = list.index ?? 0;
        xml = `${xml.slice(0, at)}<digits>${broken}</digits>${xml.slice(at + list[0].length)}`;
        kinds.push('digits');
        break;
      }
      case 6:
        xml = xml.replace(
          /^<\?xml[^>]*\?>/,
          `<?xml version="1.0" encoding="${rng.pick(['UTF-16', 'GB18030', 'EBCDIC-US', 'nonsense', 'ISO-8859-1', ''])}"?>`,
        );
        kinds.push('declared-encoding');
        break;
      case 7:
        xml =
          (rng.chance(0.5) ? BILLION_LAUGHS : EXTERNAL_ENTITY) +
          xml
            .replace(/^<\?xml[^>]*\?>/, '')
            .replace(/<text>|<family>|<code /, (m) => `${m}${rng.chance(0.5) ? '&g;' : '&x;'}`);
        kinds.push('entities');
        break;
      case 8: {
        const depth = rng.pick([100, 5000, 50_000]);
        xml =
          xml.slice(0, element.end) +
          '<a>'.repeat(depth) +
          '</a>'.repeat(depth) +
          xml.slice(element.end);
        kinds.push('deep-nesting');
        break;
      }
      case 9:
        xml = rng.chance(0.5)
          ? xml.replace(/AnnotatedECG/g, rng.pick(['AnnotatedEcg', 'ClinicalDocument', 'x']))
          : xml.replace(/xmlns="[^"]*"/, rng.pick(['xmlns="urn:other"', '', 'xmlns:="x"']));
        kinds.push('root');
        break;
      default: {
        const texts = [...xml.matchAll(/>([^<>\s][^<>]*)</g)];
        if (texts.length === 0) break;
        const text = rng.pick(texts);
        const at = (text.index ?? 0) + 1;
        xml =
          xml.slice(0, at) +
          rng.pick(strings).replace(/[<&]/g, '') +
          xml.slice(at + text[1].length);
        kinds.push('hostile-text');
      }
    }
  }
  let body: Buffer = Buffer.from(xml, 'utf8');
  if (rng.chance(0.05)) {
    body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    kinds.push('utf16-bytes');
  }
  if (rng.chance(0.15)) {
    body = mutateBytes(rng, body);
    kinds.push('bytes');
  }
  return { kind: kinds.join('+'), body };
}

interface Upload {
  query: string;
  contentType: string;
  body: Buffer;
}

/**
 * HL7 aECG documents from the project's writer, mutated and uploaded to the ECG centre through
 * the gateway: never a 5xx or a hang, every refusal an OperationOutcome with the reason, and the
 * tables unchanged by every refused file.
 */
describe('bad input: aECG XML uploads (fuzz)', () => {
  let hub: RunningHub;
  let watch: DatabaseWatch;
  let token: string;
  const valid: string[] = [];
  const orderIds: string[] = [];

  /** An ECG order of clinic A, accepted by the ECG centre: its id and accession number. */
  const orderEcg = async () => {
    const bundle = makeOrderBundle({ org: 'CLINIC-A', code: ECG_CODE, patient: makePatient() });
    const answer = await fetch(`${hub.fhirUrl}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    const order = ((await answer.json()) as Bundle).entry?.[1]?.resource as ServiceRequest;
    const accession = order.identifier?.find((i) => i.type?.coding?.[0]?.code === 'ACSN')?.value;
    if (!order.id || !accession) throw new Error('the ECG order has no id or accession number');
    await eventually(
      async () =>
        (
          (await (
            await fetch(`${hub.fhirUrl}/Task?based-on=ServiceRequest/${order.id}`, {
              headers: { authorization: `Bearer ${token}` },
            })
          ).json()) as Bundle
        ).entry?.[0]?.resource as Task | undefined,
      (task) => task?.status === 'accepted',
      'the ECG centre to accept the order',
    );
    return { orderId: order.id, accession };
  };

  beforeAll(async () => {
    hub = await startHub({ env: { API_RATE_PER_MINUTE: '1000000' } });
    token = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    for (let i = 0; i < 3; i++) {
      const { orderId, accession } = await orderEcg();
      orderIds.push(orderId);
      const recording = syntheticEcg({
        heartRateBpm: 60 + 20 * i,
        prMs: 160,
        qrsMs: 90,
        qtMs: 380,
        axisDeg: 45,
        durationS: 10,
        samplingHz: 250,
        seed: FUZZ_SEED + i,
      });
      valid.push(
        writeAecg(recording, {
          accessionNumber: accession,
          patientName: 'FUZZ^CASE',
          patientSex: 'F',
          acquiredAt: '2026-11-23T08:30:00+08:00',
          cart: { heartRateBpm: 60 + 20 * i, statements: ['Sinus rhythm'] },
        }),
      );
    }
    watch = await DatabaseWatch.open(hub);
  });

  afterAll(async () => {
    await watch?.close();
    await hub?.shutdown();
  });

  it(`answers ${FUZZ_CASES} mutated aECG files with a clear refusal or stores a valid one`, async () => {
    const strings = hostileStrings(FUZZ_SEED);
    const result = await runCampaign<Upload>({
      name: 'aECG',
      watch,
      generate: (rng) => {
        const which = rng.int(0, valid.length);
        const { kind, body } = mutate(rng, valid[which], strings);
        const query = rng.pick([
          '',
          '',
          '',
          `?order=${orderIds[which]}`,
          `?order=${rng.pick(orderIds)}`,
          `?order=${encodeQueryPart(rng.pick(strings).slice(0, 200))}`,
          '?order=a&order=b',
          '?order[x]=1',
        ]);
        const contentType = rng.chance(0.9)
          ? rng.pick([
              'application/xml',
              'application/xml',
              'text/xml',
              'application/xml; charset=utf-16',
            ])
          : rng.pick(['application/hl7-v3+xml', 'application/dicom', 'application/json', '']);
        return { kind: `${kind}${query ? '+order' : ''}`, input: { query, contentType, body } };
      },
      send: async (input) =>
        judgeHttp(
          await fetchWithin(`${hub.baseUrl}/api/ecg/recordings${input.query}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              ...(input.contentType ? { 'content-type': input.contentType } : {}),
            },
            body: input.body,
          }),
        ),
      show: (input) =>
        `POST /api/ecg/recordings${input.query} [${input.contentType}] ${input.body.toString('utf8')}`,
      concurrency: 3,
    });
    console.log(summarise('aECG', result));
    // A 500's stack, from the apps' log, beside the inputs that caused it.
    for (const line of unexpectedErrors(hub).slice(0, 10)) console.log(line.slice(0, 3000));
    expect(result.failures).toEqual([]);
    expect(result.refused).toBeGreaterThan(result.cases / 2);
    expect(result.refusedChecked).toBe(result.refused);
    await expectHubAlive(hub);
  });
});
