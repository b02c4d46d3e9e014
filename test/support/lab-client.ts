import type { Bundle, Patient, Specimen } from 'fhir/r4';
import { makeOrderBundle } from './factories';
import { eventually } from './hub-harness';

/**
 * One call to the hub's HTTP APIs as `who` (a name the spec keeps a token under), answering the
 * status and the parsed body.
 */
export type HubCall = <T>(
  who: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** A lab order as the clinic sees it once placed: its id, its Specimen and the label's number. */
export interface PlacedLabOrder {
  orderId: string;
  specimen: Specimen;
  accession: string;
}

/** The accession number a Specimen the hub created carries (the number on the tube's label). */
export function accessionOf(specimen: Specimen): string {
  const value = specimen.accessionIdentifier?.value;
  if (!value) throw new Error(`Specimen/${specimen.id} has no accession number`);
  return value;
}

/**
 * A clinic orders a lab item for a patient (a FHIR transaction), reads back the Specimen the hub
 * created for it, and waits until the lab expects that specimen.
 */
export async function orderLabTest(
  call: HubCall,
  options: {
    clinic: string;
    org: string;
    lab: string;
    patient: Patient;
    code: { system: string; code: string };
  },
): Promise<PlacedLabOrder> {
  const { clinic, org, lab, patient, code } = options;
  const posted = await call<Bundle>(
    clinic,
    'POST',
    '/fhir',
    makeOrderBundle({ patient, code, org }),
  );
  expect(posted.status).toBe(200);
  const orderId = posted.body.entry
    ?.map((e) => e.response?.location ?? '')
    .find((l) => l.startsWith('ServiceRequest/'))
    ?.split('/')[1];
  if (!orderId) throw new Error('no ServiceRequest in the transaction response');
  const order = await call<{ specimen?: Array<{ reference: string }> }>(
    clinic,
    'GET',
    `/fhir/ServiceRequest/${orderId}`,
  );
  const specimenRef = order.body.specimen?.[0]?.reference;
  expect(specimenRef).toMatch(/^Specimen\//);
  const specimen = (await call<Specimen>(clinic, 'GET', `/fhir/${specimenRef}`)).body;
  const accession = accessionOf(specimen);
  await eventually(
    () => call<{ status: string }>(lab, 'GET', `/api/lab/specimens/${accession}`),
    (r) => r.status === 200,
    'the lab to expect the specimen',
  );
  return { orderId, specimen, accession };
}

/**
 * The clinic records the specimens' collection at `collectedAt`, ships them in one box five
 * minutes later, and the lab receives the box (at `receivedAt`, or now). The lab's answer: each
 * specimen received or rejected.
 */
export async function shipAndReceive(
  call: HubCall,
  options: {
    clinic: string;
    lab: string;
    accessions: string[];
    collectedAt: Date;
    receivedAt?: Date;
  },
) {
  const { clinic, lab, accessions, collectedAt, receivedAt } = options;
  const batchId = `BOX-${Date.now()}-${Math.floor(Math.random() * 1000)}`;
  const shipped = await call<unknown[]>(clinic, 'POST', '/api/lab/batches', {
    batchId,
    courier: '顺丰 courier 王师傅',
    departedAt: new Date(collectedAt.getTime() + 5 * 60_000).toISOString(),
    specimens: accessions.map((accession) => ({
      accession,
      collectedAt: collectedAt.toISOString(),
      collector: '护士 李 nurse Li',
    })),
  });
  expect(shipped.status).toBe(201);
  return call<Array<{ accession: string; status: string; rejectionReason?: string }>>(
    lab,
    'POST',
    `/api/lab/batches/${batchId}/receipt`,
    receivedAt ? { receivedAt: receivedAt.toISOString() } : {},
  );
}
