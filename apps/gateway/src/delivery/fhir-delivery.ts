import type { Bundle, BundleEntry, DiagnosticReport, Observation, Patient } from 'fhir/r4';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';

/** Identifier systems that make a delivered resource recognisable on a retry. */
export const DeliveredSystems = {
  Report: 'urn:hub:report',
  Observation: 'urn:hub:observation',
} as const;

/**
 * The transaction Bundle written to a member's FHIR server: the patient (matched there by
 * 居民身份证号 or the member's MRN), the observations and the report, each created only if not
 * there yet (ifNoneExist on the hub's identifiers), so a retried delivery adds nothing twice.
 */
export function reportBundle(options: {
  org: string;
  patient: Patient;
  report: DiagnosticReport & { id: string };
  observations: Array<Observation & { id: string }>;
}): Bundle {
  const patientUrl = 'urn:uuid:00000000-0000-4000-8000-000000000001';
  const identifiers = (options.patient.identifier ?? []).filter(
    (identifier) =>
      identifier.system === RESIDENT_ID_SYSTEM ||
      identifier.system === `urn:hub:mrn:${options.org}`,
  );
  const key = identifiers[0];
  const entries: BundleEntry[] = [
    {
      fullUrl: patientUrl,
      resource: {
        resourceType: 'Patient',
        identifier: identifiers,
        name: options.patient.name,
        gender: options.patient.gender,
        birthDate: options.patient.birthDate,
      },
      request: {
        method: 'POST',
        url: 'Patient',
        ...(key ? { ifNoneExist: `identifier=${key.system}|${key.value}` } : {}),
      },
    },
  ];
  const observationUrls = new Map<string, string>();
  options.observations.forEach((observation, index) => {
    const url = `urn:uuid:00000000-0000-4000-8000-${String(index + 2).padStart(12, '0')}`;
    observationUrls.set(observation.id, url);
    const { id: _id, meta: _meta, basedOn: _basedOn, ...content } = observation;
    entries.push({
      fullUrl: url,
      resource: {
        ...content,
        identifier: [{ system: DeliveredSystems.Observation, value: observation.id }],
        subject: { reference: patientUrl },
      },
      request: {
        method: 'POST',
        url: 'Observation',
        ifNoneExist: `identifier=${DeliveredSystems.Observation}|${observation.id}`,
      },
    });
  });
  const { id: _id, meta: _meta, basedOn: _basedOn, ...report } = options.report;
  entries.push({
    resource: {
      ...report,
      identifier: [{ system: DeliveredSystems.Report, value: options.report.id }],
      subject: { reference: patientUrl },
      result: (report.result ?? []).map((reference) => ({
        reference:
          observationUrls.get(reference.reference?.split('/')[1] ?? '') ?? reference.reference,
      })),
    },
    request: {
      method: 'POST',
      url: 'DiagnosticReport',
      ifNoneExist: `identifier=${DeliveredSystems.Report}|${options.report.id}`,
    },
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** An OAuth2 client-credentials token for the member's FHIR server. */
export async function fetchToken(
  tokenUrl: string,
  clientId: string,
  secret: string,
): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`token endpoint ${tokenUrl} answered ${response.status}`);
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token endpoint ${tokenUrl} gave no access_token`);
  return body.access_token;
}

/**
 * A real dynamic import. fhir-kit-client is ESM-only and exports no `require` entry, and the
 * CommonJS build would turn a plain `import()` into `require()`; a function made at run time keeps
 * it an import.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

/** Writes the Bundle with fhir-kit-client. */
export async function postTransaction(
  baseUrl: string,
  token: string | undefined,
  bundle: Bundle,
): Promise<Bundle> {
  const { Client } = await importEsm<typeof import('fhir-kit-client')>('fhir-kit-client');
  const client = new Client({ baseUrl, ...(token ? { bearerToken: token } : {}) });
  return (await client.transaction({ body: bundle as never })) as unknown as Bundle;
}
