import { residentIdCheckChar } from '@hub/identity';
import { clientToken } from '../support/auth-client';
import { makeOrderBundle, makePatient, makeServiceRequest } from '../support/factories';
import {
  DatabaseWatch,
  FUZZ_CASES,
  FUZZ_SEED,
  type Rng,
  expectHubAlive,
  fetchWithin,
  judgeHttp,
  runCampaign,
  summarise,
  unexpectedErrors,
} from '../support/fuzz-kit';
import { type RunningHub, startHub } from '../support/hub-harness';
import { JsonMutator } from './json-mutator';

jest.setTimeout(60 * 60_000);

/** A valid 居民身份证号 drawn from the case's generator, so a case is rebuilt from its seed. */
function residentId(rng: Rng): { id: string; birthDate: string; gender: 'male' | 'female' } {
  const birthDate = `${rng.int(1940, 2010)}-${String(rng.int(1, 13)).padStart(2, '0')}-${String(rng.int(1, 29)).padStart(2, '0')}`;
  const sequence = rng.int(0, 1000);
  const body = `330106${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  return {
    id: body + residentIdCheckChar(body),
    birthDate,
    gender: sequence % 2 ? 'male' : 'female',
  };
}

/** A valid resource or Bundle for one of the FHIR write endpoints, from the project's factories. */
function validInput(rng: Rng, index: number): { path: string; resource: unknown } {
  const person = residentId(rng);
  const patient = makePatient({
    gender: person.gender,
    birthDate: person.birthDate,
    identifier: [{ system: 'urn:oid:2.16.156.10011.1.3', value: person.id }],
  });
  const placer = `FZ-${FUZZ_SEED}-${index}`;
  const code = rng.pick([
    { system: 'http://loinc.org', code: '2823-3' },
    { system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD' },
    { system: 'http://loinc.org', code: '11524-6' },
  ]);
  switch (rng.int(0, 4)) {
    case 0:
      return { path: '/fhir/Patient', resource: patient };
    case 1:
      return {
        path: '/fhir/ServiceRequest',
        resource: makeServiceRequest({ org: 'CLINIC-A', placer, code }),
      };
    case 2: {
      const bundle = makeOrderBundle({ org: 'CLINIC-A', patient, placer, code });
      return { path: '/fhir', resource: deterministicUrns(bundle, index) };
    }
    default: {
      const bundle = makeOrderBundle({ org: 'CLINIC-A', patient, placer, code });
      return { path: '/fhir', resource: { ...deterministicUrns(bundle, index), type: 'batch' } };
    }
  }
}

/** The factories name Bundle entries with random UUIDs; a case's are derived from its index. */
function deterministicUrns<T>(bundle: T, index: number): T {
  let n = 0;
  const urns = new Map<string, string>();
  const text = JSON.stringify(bundle).replace(/urn:uuid:[0-9a-f-]{36}/g, (urn) => {
    if (!urns.has(urn))
      urns.set(
        urn,
        `urn:uuid:00000000-0000-4000-8000-${String(index * 10 + n++).padStart(12, '0')}`,
      );
    return urns.get(urn) as string;
  });
  return JSON.parse(text) as T;
}

/**
 * FHIR JSON resources and Bundles, mutated from the factories' valid ones and sent to the FHIR
 * write endpoints: never a 5xx or a hang, every refusal an OperationOutcome with an issue, and
 * the tables unchanged by every refused input.
 */
describe('bad input: FHIR resources and Bundles (fuzz)', () => {
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

  it(`answers ${FUZZ_CASES} mutated resources and Bundles with a clear refusal or a valid acceptance`, async () => {
    const mutator = new JsonMutator(FUZZ_SEED);
    const result = await runCampaign({
      name: 'FHIR',
      watch,
      generate: (rng, index) => {
        const { path, resource } = validInput(rng, index);
        const mutant = mutator.mutate(rng, resource);
        return { kind: mutant.kind, input: { path, ...mutant } };
      },
      send: async (input) =>
        judgeHttp(
          await fetchWithin(`${hub.baseUrl}${input.path}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              ...(input.contentType ? { 'content-type': input.contentType } : {}),
            },
            body: input.body,
          }),
        ),
      show: (input) => `POST ${input.path} [${input.contentType}] ${input.body.toString('utf8')}`,
    });
    console.log(summarise('FHIR', result));
    // A 500's stack, from the apps' log, beside the inputs that caused it.
    for (const line of unexpectedErrors(hub).slice(0, 10)) console.log(line.slice(0, 3000));
    expect(result.failures).toEqual([]);
    expect(result.refused).toBeGreaterThan(result.cases / 2);
    expect(result.refusedChecked).toBe(result.refused);
    await expectHubAlive(hub);
  });
});
