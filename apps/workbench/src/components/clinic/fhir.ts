import type {
  Bundle,
  Coding,
  DiagnosticReport,
  Identifier,
  Parameters,
  ParametersParameter,
  Patient,
  Resource,
  ServiceRequest,
} from 'fhir/r4';
import { api } from '../../api';

/** 居民身份证号 (GB 11643) as FHIR names it in China. */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.3';
/** The order reuses a recognized prior result (`valueReference` DiagnosticReport). */
export const REUSE_EXTENSION = 'urn:hub:recognition-reuse';
/** The order repeats the test anyway (`valueCodeableConcept` with a reason). */
export const OVERRIDE_EXTENSION = 'urn:hub:recognition-override';
export const OVERRIDE_REASON_SYSTEM = 'urn:hub:recognition-override-reason';
/** The mark a mutually recognized result carries (`meta.tag`). */
export const RECOGNITION_TAG_SYSTEM = 'urn:hub:recognition';
export const IDENTIFIER_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** Why a doctor repeats a test a recognized result would have spared (DOMAIN.md). */
export const OverrideReasons = [
  'condition-changed',
  'fast-changing',
  'major-intervention',
  'emergency',
  'forensic',
  'other',
] as const;

/** Priorities a clinic doctor chooses from. */
export const Priorities = ['routine', 'urgent', 'stat'] as const;
export type Priority = (typeof Priorities)[number];

/** The search parameters' values (undefined ones are left out). */
export type SearchParams = Record<string, string | undefined>;

/** A FHIR search as a list of resources and the total the hub counted. */
export async function searchFhir<T extends Resource>(
  type: string,
  params: SearchParams,
): Promise<{ items: T[]; total: number }> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') query.append(name, value);
  const bundle = await api<Bundle>(`/fhir/${type}?${query.toString()}`);
  const items = (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === type ? [entry.resource as T] : [],
  );
  return { items, total: bundle.total ?? items.length };
}

/** Resources by id, in one search (`_id=a,b,c`); those the clinic may not see are left out. */
export async function readMany<T extends Resource>(type: string, ids: string[]): Promise<T[]> {
  const unique = [...new Set(ids)].filter(Boolean);
  if (unique.length === 0) return [];
  const { items } = await searchFhir<T>(type, {
    _id: unique.join(','),
    _count: String(unique.length),
  });
  return items;
}

/** The id in a `Type/id` reference of the given type. */
export function idOf(reference: string | undefined, type: string): string | undefined {
  const match = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference ?? '');
  return match && match[1] === type ? match[2] : undefined;
}

/** Upper-case, no spaces: how the hub keeps an identity number. */
export function normalizeResidentId(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** Looks like a 居民身份证号 (the hub checks the rest: area, birth date, check character). */
export function looksLikeResidentId(value: string): boolean {
  return /^\d{17}[\dX]$/.test(normalizeResidentId(value));
}

export function residentIdOf(patient: Patient | undefined): string | undefined {
  return patient?.identifier?.find((i) => i.system === RESIDENT_ID_SYSTEM)?.value;
}

export function patientName(patient: Patient | undefined): string {
  const name = patient?.name?.[0];
  if (!name) return '';
  return name.text ?? [name.family, ...(name.given ?? [])].filter(Boolean).join('');
}

export function patientPhone(patient: Patient | undefined): string | undefined {
  return patient?.telecom?.find((t) => t.system === 'phone')?.value;
}

/** Whole years from the birth date to now. */
export function ageOf(birthDate: string | undefined): number | undefined {
  if (!birthDate) return undefined;
  const birth = new Date(`${birthDate.slice(0, 10)}T00:00:00+08:00`);
  if (Number.isNaN(birth.getTime())) return undefined;
  const now = new Date();
  let years = now.getFullYear() - birth.getFullYear();
  if (
    now.getMonth() < birth.getMonth() ||
    (now.getMonth() === birth.getMonth() && now.getDate() < birth.getDate())
  )
    years--;
  return Math.max(0, years);
}

/** The identifier of a v2-0203 type: PLAC (the clinic's), FILL (the hub's), ACSN (accession). */
export function identifierOfType(
  identifiers: Identifier[] | undefined,
  type: 'PLAC' | 'FILL' | 'ACSN',
): string | undefined {
  return identifiers?.find((i) =>
    i.type?.coding?.some((c) => c.system === IDENTIFIER_TYPE_SYSTEM && c.code === type),
  )?.value;
}

/** True when the resource carries the HR mark (检查检验结果互认). */
export function hasRecognitionMark(resource: Resource | undefined): boolean {
  return Boolean(
    resource?.meta?.tag?.some((tag) => tag.system === RECOGNITION_TAG_SYSTEM && tag.code === 'HR'),
  );
}

/** What the clinic decided about a recognized prior, as the order records it. */
export type OrderDecision =
  | { kind: 'reuse'; reportId?: string }
  | { kind: 'override'; reason?: string; text?: string }
  | undefined;

export function decisionOf(order: ServiceRequest): OrderDecision {
  const reuse = order.extension?.find((e) => e.url === REUSE_EXTENSION);
  if (reuse)
    return { kind: 'reuse', reportId: idOf(reuse.valueReference?.reference, 'DiagnosticReport') };
  const override = order.extension?.find((e) => e.url === OVERRIDE_EXTENSION);
  if (override)
    return {
      kind: 'override',
      reason: override.valueCodeableConcept?.coding?.find(
        (c) => c.system === OVERRIDE_REASON_SYSTEM,
      )?.code,
      text: override.valueCodeableConcept?.text,
    };
  return undefined;
}

/** The report an order has: the one it reused, or the one its Task was completed with. */
export function reportIdOf(order: ServiceRequest): string | undefined {
  return order.supportingInfo
    ?.map((ref) => idOf(ref.reference, 'DiagnosticReport'))
    .find((id): id is string => Boolean(id));
}

/** A recognized prior result as `$recognition-check` offers it. */
export interface Prior {
  reportId: string;
  observedAt?: string;
  validUntil?: string;
  performer?: string;
  mark?: string;
  report?: DiagnosticReport;
}

/** The check's answer for one item: the priors to reuse, or why there are none. */
export interface RecognitionResult {
  code?: Coding;
  recognized: boolean;
  priors: Prior[];
  reasons: Array<{ code?: string; text?: string }>;
}

const partsNamed = (parameter: ParametersParameter | undefined, name: string) =>
  parameter?.part?.filter((p) => p.name === name) ?? [];

/** Reads the `$recognition-check` Parameters. */
export function recognitionResults(answer: Parameters): RecognitionResult[] {
  return (answer.parameter ?? [])
    .filter((p) => p.name === 'result')
    .map((result) => ({
      code: partsNamed(result, 'code')[0]?.valueCoding,
      recognized: partsNamed(result, 'recognized')[0]?.valueBoolean === true,
      priors: partsNamed(result, 'prior').flatMap((prior): Prior[] => {
        const reportId = idOf(
          partsNamed(prior, 'report')[0]?.valueReference?.reference,
          'DiagnosticReport',
        );
        if (!reportId) return [];
        return [
          {
            reportId,
            observedAt: partsNamed(prior, 'date')[0]?.valueDateTime,
            validUntil: partsNamed(prior, 'validUntil')[0]?.valueDateTime,
            performer: partsNamed(prior, 'performer')[0]?.valueString,
            mark: partsNamed(prior, 'mark')[0]?.valueString,
            report: partsNamed(prior, 'resource')[0]?.resource as DiagnosticReport | undefined,
          },
        ];
      }),
      reasons: partsNamed(result, 'reason').map((reason) => ({
        code: reason.valueCodeableConcept?.coding?.[0]?.code,
        text: reason.valueCodeableConcept?.text,
      })),
    }));
}

/** The text of a base64 attachment (UTF-8). */
export function attachmentText(data: string | undefined): string {
  if (!data) return '';
  try {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8').decode(bytes);
  } catch {
    return '';
  }
}

/** A new placer order number of the clinic: date, time and a random tail (unique per order). */
export function newPlacerNumber(): string {
  const now = new Date();
  const stamp = now
    .toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' })
    .replace(/\D/g, '')
    .slice(2, 14);
  const tail = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .toUpperCase()
    .padStart(4, '0');
  return `WB${stamp}${tail}`;
}
