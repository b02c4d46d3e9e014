import { type DicomInstanceSpec, type TransferSyntaxName, buildDicom } from '@hub/dicom';
import { clientToken } from '../support/auth-client';
import { multipartRelated } from '../support/dicomweb-client';
import {
  DatabaseWatch,
  FUZZ_CASES,
  FUZZ_SEED,
  OracleViolation,
  type Rng,
  type Verdict,
  expectHubAlive,
  fetchWithin,
  hostileStrings,
  junkBytes,
  judgeHttp,
  mutateBytes,
  runCampaign,
  summarise,
  unexpectedErrors,
} from '../support/fuzz-kit';
import { type RunningHub, startHub } from '../support/hub-harness';

jest.setTimeout(60 * 60_000);

const SYNTAXES: TransferSyntaxName[] = [
  'explicit-le',
  'implicit-le',
  'explicit-be',
  'deflated',
  'rle',
  'jpeg-baseline',
];

/** UIDs derived from the seed and the case, so a case is rebuilt exactly. */
const uidOf = (index: number, part: number) =>
  `2.25.${(BigInt(FUZZ_SEED) << 32n) + BigInt(index * 4 + part)}`;

/** Attributes a mutant may set to a hostile value through the writer (tag → VR and values). */
const ATTRIBUTE_MUTATIONS: Array<[string, string, Array<string | number | Buffer>]> = [
  ['00080020', 'DA', ['20261345', '2026', '', 'yesterday', '99999999']],
  ['00100030', 'DA', ['20260230', '1', '00000000']],
  ['00080030', 'TM', ['256161', '12:00:00', '-1']],
  ['00280010', 'US', [0, 1, 65535, 4]],
  ['00280011', 'US', [0, 1, 65535, 4]],
  ['00280100', 'US', [0, 1, 7, 32, 64]],
  ['00280101', 'US', [0, 17, 64]],
  ['00280002', 'US', [0, 2, 4, 65535]],
  ['00280103', 'US', [2, 65535]],
  ['00280004', 'CS', ['', 'PALETTE COLOR', 'YBR_FULL_422', 'NONSENSE']],
  ['00280008', 'IS', ['0', '-1', '999999', 'abc', '2']],
  ['00080018', 'UI', ['', 'abc', '1.2.', '1..2', '1.2.3.'.repeat(20)]],
  ['0020000D', 'UI', ['', 'not-a-uid', '0.0']],
  ['0020000E', 'UI', ['', '1.2.3.x']],
  ['00080016', 'UI', ['', '1.2.3', '1.2.840.10008.5.1.4.1.1.9999']],
  ['00080005', 'CS', ['ISO 2022 IR 87', 'NONSENSE', 'ISO_IR 192\\GB18030', '']],
  ['00100010', 'PN', [Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]), 'A^B^C^D^E^F^G', '=^=']],
  ['00080060', 'CS', ['', 'XX', 'CT\\MR']],
  ['00081030', 'LO', ['x'.repeat(70_000)]],
  ['00091010', 'OB', [Buffer.alloc(100_000, 1)]],
  ['00280030', 'DS', ['0\\0', '-1\\abc', '1e400']],
];

/** A valid small CT instance from the project's Part 10 writer, with hostile attributes mixed in. */
function instance(rng: Rng, index: number, strings: string[]): { kind: string; bytes: Buffer } {
  const spec: DicomInstanceSpec = {
    transferSyntax: rng.pick(SYNTAXES),
    studyInstanceUid: uidOf(index, 1),
    seriesInstanceUid: uidOf(index, 2),
    sopInstanceUid: uidOf(index, 3),
    patientName: 'FUZZ^CASE',
    patientId: `FZ-${index}`,
    studyDate: '20261123',
    modality: 'CT',
    rows: 16,
    columns: 16,
    frames: rng.chance(0.2) ? 2 : 1,
  };
  const kinds: string[] = [];
  if (rng.chance(0.6)) {
    spec.extra = {};
    for (let n = rng.int(1, 4); n > 0; n--) {
      const [tag, vr, values] = rng.pick(ATTRIBUTE_MUTATIONS);
      spec.extra[tag] = { vr, value: rng.pick(values) };
      kinds.push(`attribute-${tag}`);
    }
    if (rng.chance(0.2)) {
      spec.extra['00100020'] = { vr: 'LO', value: rng.pick(strings).replace(/[^\x20-\x7e]/g, '') };
      kinds.push('hostile-patient-id');
    }
  }
  let bytes: Buffer;
  try {
    bytes = buildDicom(spec).bytes;
  } catch {
    // The writer refuses some combinations: write the plain instance and mutate its bytes.
    delete spec.extra;
    bytes = buildDicom(spec).bytes;
    kinds.length = 0;
  }
  if (kinds.length === 0 || rng.chance(0.4)) {
    for (let n = rng.int(1, 3); n > 0; n--) bytes = mutateBytes(rng, bytes);
    kinds.push(`bytes-${spec.transferSyntax}`);
  }
  return { kind: kinds.join('+'), bytes };
}

interface StowInput {
  path: string;
  contentType: string;
  body: Buffer;
}

/** One STOW-RS request: usually one mutated instance; sometimes a broken multipart or junk. */
function stowRequest(
  rng: Rng,
  index: number,
  strings: string[],
): { kind: string; input: StowInput } {
  const roll = rng.next();
  if (roll < 0.05) {
    const { body, contentType } = multipartRelated([{ body: junkBytes(rng, 4096) }]);
    return { kind: 'junk-part', input: { path: '/dicomweb/studies', contentType, body } };
  }
  const { kind, bytes } = instance(rng, index, strings);
  if (roll < 0.15) {
    const { body, contentType } = multipartRelated([{ body: bytes }]);
    const broken = rng.int(0, 4);
    return {
      kind: `${kind}+multipart-${broken}`,
      input: {
        path: '/dicomweb/studies',
        body: broken === 0 ? mutateBytes(rng, body) : body,
        contentType:
          broken === 1
            ? 'multipart/related; type="application/dicom"'
            : broken === 2
              ? contentType.replace('application/dicom', 'application/json')
              : broken === 3
                ? 'multipart/related; type="application/dicom"; boundary=nomatch'
                : contentType,
      },
    };
  }
  if (roll < 0.2) {
    // STOW-RS to a study the instance is not in.
    const { body, contentType } = multipartRelated([{ body: bytes }]);
    return {
      kind: `${kind}+other-study`,
      input: {
        path: `/dicomweb/studies/${rng.pick(['1.2.3', uidOf(index, 0), 'abc'])}`,
        contentType,
        body,
      },
    };
  }
  const { body, contentType } = multipartRelated([{ body: bytes }]);
  return { kind, input: { path: '/dicomweb/studies', contentType, body } };
}

/**
 * The STOW-RS oracle: never a 5xx; 200 stores the instance (a valid mutant); a refusal is 409 with
 * a failed SOP sequence whose items carry a failure reason (0008,1197), or another 4xx with an
 * OperationOutcome that says why.
 */
function judgeStow(answer: { status: number; text: string }): Verdict {
  if (answer.status === 409 || answer.status === 202) {
    const json = JSON.parse(answer.text || '{}') as Record<
      string,
      { Value?: Array<Record<string, { Value?: unknown[] }>> }
    >;
    const failed = json['00081198']?.Value ?? [];
    if (
      failed.length === 0 ||
      failed.some((item) => typeof item['00081197']?.Value?.[0] !== 'number')
    )
      throw new OracleViolation(
        `HTTP ${answer.status} without a failure reason per instance: ${answer.text.slice(0, 300)}`,
      );
    if (answer.status === 202)
      throw new OracleViolation('one instance sent, and a partial success answered');
    return {
      outcome: 'refused',
      answer: `409 reason ${String(failed[0]['00081197']?.Value?.[0])}`,
    };
  }
  return judgeHttp(answer, { plainMessage: true });
}

/**
 * DICOM Part 10 instances, written by the project's writer with hostile attributes and then
 * mutated byte by byte, stored with STOW-RS through the gateway's /dicomweb: never a 5xx or a hang,
 * every refusal with a reason, and neither the tables nor the archive's files changed by a refused
 * instance.
 */
describe('bad input: DICOM instances over STOW-RS (fuzz)', () => {
  let hub: RunningHub;
  let watch: DatabaseWatch;
  let token: string;

  beforeAll(async () => {
    hub = await startHub({ env: { API_RATE_PER_MINUTE: '1000000' } });
    token = await clientToken(hub.baseUrl, 'clinic-a', 'clinic-a-secret');
    watch = await DatabaseWatch.open(hub);
  });

  afterAll(async () => {
    await watch?.close();
    await hub?.shutdown();
  });

  it(`answers ${FUZZ_CASES} mutated instances with a failure reason or stores a valid one`, async () => {
    const strings = hostileStrings(FUZZ_SEED);
    const result = await runCampaign({
      name: 'DICOM',
      watch,
      generate: (rng, index) => stowRequest(rng, index, strings),
      send: async (input) =>
        judgeStow(
          await fetchWithin(`${hub.baseUrl}${input.path}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': input.contentType,
              accept: 'application/dicom+json',
            },
            body: input.body,
          }),
        ),
      show: (input) =>
        `POST ${input.path} [${input.contentType}] base64:${input.body.toString('base64')}`,
    });
    console.log(summarise('DICOM', result));
    // A 500's stack, from the apps' log, beside the inputs that caused it.
    for (const line of unexpectedErrors(hub).slice(0, 10)) console.log(line.slice(0, 3000));
    expect(result.failures).toEqual([]);
    expect(result.refused).toBeGreaterThan(result.cases / 3);
    expect(result.refusedChecked).toBe(result.refused);
    await expectHubAlive(hub);
  });
});
