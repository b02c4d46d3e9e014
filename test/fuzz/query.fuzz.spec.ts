import type { CapabilityStatement } from 'fhir/r4';
import { clientToken, userToken } from '../support/auth-client';
import {
  DatabaseWatch,
  FUZZ_CASES,
  FUZZ_SEED,
  type Rng,
  expectHubAlive,
  fetchWithin,
  hostileStrings,
  judgeHttp,
  runCampaign,
  encodeQueryPart,
  summarise,
  unexpectedErrors,
} from '../support/fuzz-kit';
import { type RunningHub, startHub } from '../support/hub-harness';

jest.setTimeout(60 * 60_000);

/** A GET API and the parameters it knows (name → a valid value). */
interface Api {
  path: string;
  who: string;
  params: Record<string, string[]>;
}

const VALID_BY_TYPE: Record<string, string[]> = {
  token: [
    'http://loinc.org|2823-3',
    'active',
    'urn:oid:2.16.156.10011.1.3|110105196005011234',
    '|x',
    'x|',
  ],
  date: ['2026-11-23', 'ge2026-01-01', 'lt2027', 'eq2026-11', 'ge2026-11-23T08:00:00+08:00'],
  string: ['张', 'Wang', 'a'],
  reference: [
    'Patient/00000000-0000-0000-0000-000000000001',
    'ServiceRequest/x',
    'Organization/clinic-a',
  ],
  number: ['1', '0.5'],
  quantity: ['5.4|http://unitsofmeasure.org|mmol/L', 'gt4'],
  uri: ['http://loinc.org'],
  composite: ['a$b'],
};

const COMMON_FHIR: Record<string, string[]> = {
  _count: ['5', '1', '100'],
  _sort: ['_lastUpdated', '-_lastUpdated'],
  _summary: ['count', 'true'],
  _total: ['accurate'],
  _id: ['00000000-0000-0000-0000-000000000001'],
  _lastUpdated: ['ge2026-01-01'],
  _include: ['ServiceRequest:subject', '*'],
  _revinclude: ['Task:based-on'],
  _elements: ['id,status'],
  _format: ['json'],
};

const HOSTILE_VALUES = [
  'ge',
  'xx2026-01-01',
  'ge2026-13-45',
  'eq99999-01-01',
  'ge-271821-04-20',
  '2026-11-23T25:99',
  '1e308',
  'Infinity',
  '-1',
  '1.5',
  '0',
  '99999999999999999999',
  '|',
  '||',
  'a|b|c',
  '%',
  '%ZZ',
  '%00',
  '*',
  '\\',
  ',',
  ',,,',
  '$',
  'Patient/',
  'Patient/../../x',
  ':missing',
  'true',
];

const MODIFIERS = [
  ':exact',
  ':contains',
  ':missing',
  ':not',
  ':text',
  ':above',
  ':below',
  ':in',
  ':Patient',
  ':x',
  ':',
  '::',
];

/**
 * Query strings against the FHIR search API and other GET APIs (HL7 message log, ops, DICOMweb
 * QIDO-RS, critical values, management figures): parameter names and values mutated from valid
 * ones. Never a 5xx or a hang, every refusal an OperationOutcome with an issue; and, since a search
 * writes nothing but its audit record, the tables unchanged by every one of them.
 */
describe('bad input: query strings (fuzz)', () => {
  let hub: RunningHub;
  let watch: DatabaseWatch;
  const tokens: Record<string, string> = {};
  const apis: Api[] = [];

  beforeAll(async () => {
    hub = await startHub({ env: { API_RATE_PER_MINUTE: '1000000' } });
    tokens['clinic-a'] = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    for (const user of ['admin', 'itops', 'radiologist', 'clinic-a-doctor', 'manager'])
      tokens[user] = await userToken(hub.baseUrl, user);
    const metadata = (await (await fetch(`${hub.fhirUrl}/metadata`)).json()) as CapabilityStatement;
    for (const resource of metadata.rest?.[0]?.resource ?? []) {
      const params: Record<string, string[]> = { ...COMMON_FHIR };
      for (const param of resource.searchParam ?? [])
        params[param.name] = VALID_BY_TYPE[param.type] ?? ['x'];
      for (const who of ['clinic-a', 'admin'])
        apis.push({ path: `/fhir/${resource.type}`, who, params });
    }
    const qido = {
      PatientName: ['WANG*', '欧阳^娜娜'],
      StudyDate: ['20260101-20261231', '20261123'],
      AccessionNumber: ['A1'],
      ModalitiesInStudy: ['CT'],
      StudyInstanceUID: ['1.2.3'],
      '00100020': ['MRN-1'],
      limit: ['10'],
      offset: ['0'],
      includefield: ['00081030', 'all'],
      fuzzymatching: ['true'],
    };
    apis.push(
      {
        path: '/api/hl7/messages',
        who: 'itops',
        params: {
          controlId: ['C1'],
          status: ['refused'],
          from: ['2026-01-01'],
          to: ['2026-12-31T00:00:00Z'],
          _count: ['10'],
          _offset: ['0'],
        },
      },
      { path: '/api/ops/status', who: 'itops', params: {} },
      { path: '/api/ops/queues/hub.deliveries/failed', who: 'itops', params: { limit: ['10'] } },
      { path: '/api/ops/queues/nonsense/failed', who: 'itops', params: { limit: ['10'] } },
      { path: '/dicomweb/studies', who: 'radiologist', params: qido },
      { path: '/dicomweb/series', who: 'radiologist', params: { ...qido, Modality: ['CT'] } },
      {
        path: '/dicomweb/instances',
        who: 'radiologist',
        params: { ...qido, SOPClassUID: ['1.2.840.10008.5.1.4.1.1.2'] },
      },
      { path: '/api/critical-values', who: 'clinic-a-doctor', params: { status: ['open'] } },
      {
        path: '/api/management/figures',
        who: 'manager',
        params: { from: ['2026-01-01'], to: ['2026-12-31'] },
      },
      {
        path: '/api/recognition/figures',
        who: 'manager',
        params: { from: ['2026-01-01'], to: ['2026-12-31'] },
      },
      { path: '/api/catalogue', who: 'clinic-a', params: { q: ['K'] } },
    );
    watch = await DatabaseWatch.open(hub);
  });

  afterAll(async () => {
    await watch?.close();
    await hub?.shutdown();
  });

  /** A query string: valid parameters, then names and values mutated. */
  const queryFor = (rng: Rng, api: Api, strings: string[]): { kind: string; query: string } => {
    const names = Object.keys(api.params);
    const pairs: Array<[string, string]> = [];
    for (let n = rng.int(0, 4); n > 0 && names.length; n--) {
      const name = rng.pick(names);
      pairs.push([name, rng.pick(api.params[name])]);
    }
    const kinds: string[] = [];
    for (let n = rng.int(1, 4); n > 0; n--) {
      const at = rng.int(0, pairs.length + 1);
      const name = names.length ? rng.pick(names) : 'x';
      switch (rng.int(0, 8)) {
        case 0:
          pairs.splice(at, 0, [name, rng.pick(HOSTILE_VALUES)]);
          kinds.push('hostile-value');
          break;
        case 1:
          pairs.splice(at, 0, [name, rng.pick(strings)]);
          kinds.push('junk-value');
          break;
        case 2:
          pairs.splice(at, 0, [
            `${name}${rng.pick(MODIFIERS)}`,
            rng.pick(api.params[name] ?? ['x']),
          ]);
          kinds.push('modifier');
          break;
        case 3:
          pairs.splice(at, 0, [
            rng.pick([
              ...strings,
              'colour',
              '_has:Task:focus:status',
              'subject.name',
              '__proto__',
              'constructor',
              'a[b]',
              '',
            ]),
            'x',
          ]);
          kinds.push('unknown-name');
          break;
        case 4:
          for (let i = rng.pick([2, 20, 500]); i > 0; i--)
            pairs.push([name, rng.pick(api.params[name] ?? ['x'])]);
          kinds.push('repeated');
          break;
        case 5:
          pairs.splice(at, 0, [
            name,
            rng.pick(['x'.repeat(7000), '1,'.repeat(2000), '张'.repeat(2000)]),
          ]);
          kinds.push('huge-value');
          break;
        case 6:
          pairs.splice(at, 0, [
            rng.pick(['_count', '_offset', 'limit', 'offset', '_page', '_total', '_summary']),
            rng.pick(HOSTILE_VALUES),
          ]);
          kinds.push('paging');
          break;
        default:
          pairs.splice(at, 0, [
            name,
            rng
              .pick(api.params[name] ?? ['x'])
              .split('')
              .reverse()
              .join(''),
          ]);
          kinds.push('reversed');
      }
    }
    let query = pairs.map(([k, v]) => `${encodeQueryPart(k)}=${encodeQueryPart(v)}`).join('&');
    if (rng.chance(0.15)) {
      // Raw, unencoded characters and broken escapes straight into the query string.
      query += `&${rng.pick(['%', '%E4%B8', 'a=%ZZ', '&&&', '=', 'a==b', '%00=%00', 'x[y]=1', 'x[]=1&x[]=2'])}`;
      kinds.push('raw');
    }
    return { kind: kinds.join('+'), query };
  };

  it(`answers ${FUZZ_CASES} mutated query strings with results or a clear refusal, changing nothing`, async () => {
    const strings = hostileStrings(FUZZ_SEED).filter((s) => s.length < 5000);
    const result = await runCampaign<{ path: string; who: string; query: string }>({
      name: 'query',
      watch,
      generate: (rng) => {
        const api = rng.pick(apis);
        const { kind, query } = queryFor(rng, api, strings);
        return {
          kind: `${api.path.split('/').slice(0, 3).join('/')}:${kind}`,
          input: { path: api.path, who: api.who, query },
        };
      },
      send: async (input) =>
        judgeHttp(
          await fetchWithin(`${hub.baseUrl}${input.path}?${input.query}`, {
            headers: { authorization: `Bearer ${tokens[input.who]}`, accept: 'application/json' },
          }),
          { plainMessage: input.path.startsWith('/dicomweb') },
        ),
      show: (input) => `GET ${input.path}?${input.query} as ${input.who}`,
      readOnly: true,
    });
    console.log(summarise('query', result));
    // A 500's stack, from the apps' log, beside the inputs that caused it.
    for (const line of unexpectedErrors(hub).slice(0, 10)) console.log(line.slice(0, 3000));
    expect(result.failures).toEqual([]);
    expect(result.refused).toBeGreaterThan(result.cases / 4);
    expect(result.refusedChecked).toBe(result.refused);
    await expectHubAlive(hub);
  });
});
