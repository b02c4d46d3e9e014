import { type CentreRefusal, SpecimenRejectionText, type SpecimenView } from '@hub/contracts';
import { type SpecimenTypeDefinition } from '@hub/consortium';
import { type Specimen, type TransportBatch } from './specimen.entity';

/** The words a clinic reads for each rejection reason. */
export const REJECTION_TEXT = SpecimenRejectionText;

/** How far in the future a clinic's clock may be before a collection time is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Minutes from collection to receipt, or undefined while either is unknown. */
export function transportMinutes(collectedAt: Date | null, receivedAt: Date | null) {
  if (!collectedAt || !receivedAt) return undefined;
  return (receivedAt.getTime() - collectedAt.getTime()) / 60_000;
}

/**
 * The transport check at receipt: a specimen that travelled longer than its type's limit is
 * unusable (e.g. potassium rises as cells leak). Returns the rejection note, or undefined when the
 * specimen is within its limit.
 */
export function transportBreach(
  specimen: Pick<Specimen, 'collectedAt' | 'transportLimitMinutes' | 'type'>,
  receivedAt: Date,
): string | undefined {
  const minutes = transportMinutes(specimen.collectedAt, receivedAt);
  if (minutes === undefined || minutes <= specimen.transportLimitMinutes) return undefined;
  return `collected ${specimen.collectedAt?.toISOString()}, received ${receivedAt.toISOString()}: ${Math.round(minutes)} min exceeds the ${specimen.transportLimitMinutes} min limit for ${specimen.type} / 运输${Math.round(minutes)}分钟，超过${specimen.transportLimitMinutes}分钟时限`;
}

/** The transport limit of a specimen type, or undefined when the lab does not know the type. */
export function transportLimitFor(
  types: readonly SpecimenTypeDefinition[],
  type: string,
): number | undefined {
  return types.find((t) => t.code === type)?.transportLimitMinutes;
}

/** A time the caller gave: an ISO date-time not in the future; a refusal naming the field otherwise. */
export function parseEventTime(
  value: unknown,
  field: string,
  now = new Date(),
): Date | CentreRefusal {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    return refuse(400, `${field} must be an ISO date-time with a time zone`, field);
  const time = new Date(value);
  if (time.getTime() > now.getTime() + CLOCK_SKEW_MS)
    return refuse(422, `${field} ${value} is in the future`, field);
  return time;
}

/** The specimen as the API shows it. */
export function specimenView(specimen: Specimen, batch?: TransportBatch | null): SpecimenView {
  const minutes = transportMinutes(specimen.collectedAt, specimen.receivedAt);
  const iso = (date: Date | null) => (date ? date.toISOString() : undefined);
  return {
    accession: specimen.accession,
    orderId: specimen.orderId,
    type: specimen.type,
    status: specimen.status,
    requesterOrg: specimen.requesterOrg,
    collectedAt: iso(specimen.collectedAt),
    collector: specimen.collector ?? undefined,
    batchId: specimen.batchId ?? undefined,
    shippedAt: batch ? iso(batch.departedAt) : undefined,
    courier: batch?.courier,
    receivedAt: iso(specimen.receivedAt),
    receiver: specimen.receiver ?? undefined,
    condition: specimen.condition ?? undefined,
    rejectionReason: specimen.rejectionReason ?? undefined,
    rejectionNote: specimen.rejectionNote ?? undefined,
    transportMinutes: minutes === undefined ? undefined : Math.round(minutes * 10) / 10,
    transportLimitMinutes: specimen.transportLimitMinutes,
  };
}

/** A refusal the gateway answers with this status; nothing was changed. */
export function refuse(
  status: CentreRefusal['status'],
  diagnostics: string,
  field?: string,
): CentreRefusal {
  return { ok: false, status, diagnostics, ...(field ? { expression: [field] } : {}) };
}
