import { randomInt, randomUUID } from 'node:crypto';
import type { Bundle, Patient, ServiceRequest } from 'fhir/r4';
import { RESIDENT_ID_SYSTEM, residentIdCheckChar } from '@hub/identity';

const PLAC = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }],
};

/** Area codes of real counties (GB/T 2260), one per province of the demo's region and a few more. */
const AREAS = ['110105', '310104', '330106', '420106', '440305', '510107', '610113', '650102'];

/**
 * A random, valid 居民身份证号 (GB 11643 check character computed) of someone born on `birthDate`
 * (YYYY-MM-DD) with `gender`; both random when not given.
 */
export function makeResidentId(options: { birthDate?: string; gender?: string } = {}): string {
  const area = AREAS[randomInt(0, AREAS.length)];
  const birth =
    options.birthDate ??
    new Date(Date.UTC(randomInt(1940, 2010), randomInt(0, 12), randomInt(1, 29)))
      .toISOString()
      .slice(0, 10);
  const date = birth.slice(0, 10).replace(/-/g, '');
  // Sequence digits 15–17; the last is odd for a man, even for a woman.
  const sexDigit =
    options.gender === 'male'
      ? 2 * randomInt(0, 5) + 1
      : options.gender === 'female'
        ? 2 * randomInt(0, 5)
        : randomInt(0, 10);
  const body = `${area}${date}${String(randomInt(0, 100)).padStart(2, '0')}${sexDigit}`;
  return body + residentIdCheckChar(body);
}

/** The same number with a wrong check character. */
export function breakCheckChar(id: string): string {
  const wrong = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'].find(
    (c) => c !== id[17],
  ) as string;
  return id.slice(0, 17) + wrong;
}

/** A patient whose 居民身份证号 agrees with the stated birth date and sex (overrides win). */
export function makePatient(overrides: Partial<Patient> = {}): Patient {
  const gender = overrides.gender ?? 'male';
  const birthDate = overrides.birthDate ?? '1960-05-01';
  return {
    resourceType: 'Patient',
    identifier: [{ system: RESIDENT_ID_SYSTEM, value: makeResidentId({ birthDate, gender }) }],
    name: [{ family: '张', given: ['三'], text: '张三' }],
    gender,
    birthDate,
    ...overrides,
  };
}

/** A unique placer number for a member clinic. */
export function makePlacerNumber(): string {
  return `P-${randomUUID().slice(0, 8)}`;
}

export function makeServiceRequest(options: {
  org: string;
  code?: { system: string; code: string };
  placer?: string;
  subject?: ServiceRequest['subject'];
  priority?: ServiceRequest['priority'];
}): ServiceRequest {
  const code = options.code ?? { system: 'http://loinc.org', code: '2823-3' };
  return {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority: options.priority ?? 'routine',
    identifier: [
      {
        type: PLAC,
        system: `urn:hub:placer:${options.org}`,
        value: options.placer ?? makePlacerNumber(),
      },
    ],
    code: { coding: [code] },
    subject: options.subject ?? { reference: 'Patient/unknown' },
    requester: { reference: `Organization/${options.org.toLowerCase()}` },
  };
}

/** A transaction Bundle with a new Patient and an order for them, linked by urn:uuid. */
export function makeOrderBundle(options: {
  org: string;
  patient?: Patient;
  code?: { system: string; code: string };
  placer?: string;
  priority?: ServiceRequest['priority'];
}): Bundle {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: options.patient ?? makePatient(),
        request: { method: 'POST', url: 'Patient' },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: makeServiceRequest({ ...options, subject: { reference: patientUrl } }),
        request: { method: 'POST', url: 'ServiceRequest' },
      },
    ],
  };
}
