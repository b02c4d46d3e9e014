// The FHIR orders the intake benchmark sends, as a member clinic's system sends them: a single
// ServiceRequest naming its patient by 居民身份证号 (the hub finds or registers the patient), or a
// transaction Bundle with the Patient and one or more ServiceRequests linked by urn:uuid. Each
// order has its own placer number (the hub stores each once) and each request its own patient.
import { randomUUID } from 'node:crypto';
import { residentId } from './orders.mjs';

export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
const PLACER_SYSTEM = 'urn:hub:placer:CLINIC-A';
const PLAC = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }],
};
/** Lab items of the demo catalogue: potassium, sodium, glucose, CBC (one per order, in turn). */
const CODES = ['2823-3', '2951-2', '2345-7', '58410-2'].map((code) => ({
  system: 'http://loinc.org',
  code,
}));

function serviceRequest(placer, code, subject) {
  return {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority: 'routine',
    identifier: [{ type: PLAC, system: PLACER_SYSTEM, value: placer }],
    code: { coding: [code] },
    subject,
    requester: { reference: 'Organization/clinic-a' },
  };
}

/** A ServiceRequest for a potassium test, its patient named by a new 居民身份证号 (`seq`-th). */
export function singleOrder(seq, placer) {
  return serviceRequest(placer, CODES[0], {
    identifier: { system: RESIDENT_ID_SYSTEM, value: residentId(seq) },
  });
}

/**
 * A transaction Bundle: a new Patient (the `seq`-th 居民身份证号, birth date and sex agreeing with
 * it) and one ServiceRequest per placer number in `placers`, each for another lab item.
 */
export function orderBundle(seq, placers) {
  const id = residentId(seq);
  const patientUrl = `urn:uuid:${randomUUID()}`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: {
          resourceType: 'Patient',
          identifier: [{ system: RESIDENT_ID_SYSTEM, value: id }],
          name: [{ family: '王', given: ['小明'], text: '王小明' }],
          gender: 'female', // residentId(): even sequence digits
          birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
        },
        request: { method: 'POST', url: 'Patient' },
      },
      ...placers.map((placer, i) => ({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: serviceRequest(placer, CODES[i % CODES.length], { reference: patientUrl }),
        request: { method: 'POST', url: 'ServiceRequest' },
      })),
    ],
  };
}

const oneLine = (text, max = 200) => text.replace(/\s+/g, ' ').slice(0, max);

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What is wrong with the answer to a single ServiceRequest, or undefined when it was created. */
export function singleProblem(status, text) {
  if (status !== 201) return `HTTP ${status}: ${oneLine(text)}`;
  const body = parse(text);
  if (body?.resourceType !== 'ServiceRequest' || !body.id)
    return `HTTP 201 without the ServiceRequest: ${oneLine(text, 100)}`;
  return undefined;
}

/**
 * What is wrong with the answer to an order Bundle of `entries` entries, or undefined when it is a
 * transaction-response with every entry created.
 */
export function bundleProblem(status, text, entries) {
  if (status !== 200) return `HTTP ${status}: ${oneLine(text)}`;
  const body = parse(text);
  if (body?.resourceType !== 'Bundle' || body.type !== 'transaction-response')
    return `HTTP 200 without a transaction-response: ${oneLine(text, 100)}`;
  const statuses = (body.entry ?? []).map((entry) => entry.response?.status ?? '');
  if (statuses.length !== entries) return `${statuses.length} entries answered of ${entries}`;
  const notCreated = statuses.find((s) => !s.startsWith('201'));
  return notCreated === undefined ? undefined : `an entry answered "${notCreated}", not 201`;
}
