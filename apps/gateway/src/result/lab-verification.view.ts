import type { Observation } from 'fhir/r4';
import { type PendingResult, type PendingVerification } from '@hub/contracts';
import { type PatientSummary } from '../patient/patient-summary';

/** One of the patient's earlier released values of an analyte, from the consortium record. */
export interface PreviousResult {
  value: number;
  unit?: string;
  /** The lab's interpretation then (N, L, H, LL, HH). */
  interpretation?: string;
  /** When the specimen was taken. */
  at: string;
  orderId?: string;
}

/** A result waiting for verification with the patient's previous values of the same analyte. */
export interface VerificationResult extends PendingResult {
  /** Newest first, from other orders. */
  previous: PreviousResult[];
}

/**
 * A report waiting for verification as the lab physician's worklist shows it: the lab's pending
 * version joined at the gateway with who the patient is, which clinic ordered what, and the
 * patient's previous values of each analyte.
 */
export interface VerificationItem extends Omit<PendingVerification, 'results'> {
  orderNumber?: string;
  requester?: { org: string; name: string; nameEn: string };
  item?: { display: string; displayZh: string };
  patient?: PatientSummary;
  /** The display name of whoever entered the results, when they are a user of the hub. */
  enteredByName?: string;
  results: VerificationResult[];
}

/** How many previous values a result shows. */
export const PREVIOUS_SHOWN = 3;

/**
 * The previous values of `code` among a patient's released Observations: from orders other than
 * `orderId`, newest specimen first, at most {@link PREVIOUS_SHOWN}.
 */
export function previousResults(
  observations: Observation[],
  code: string,
  orderId: string,
): PreviousResult[] {
  return observations
    .filter(
      (o) =>
        o.code.coding?.some((c) => c.code === code) &&
        o.valueQuantity?.value !== undefined &&
        !o.basedOn?.some((ref) => ref.reference === `ServiceRequest/${orderId}`),
    )
    .map((o) => {
      const interpretation = o.interpretation?.[0]?.coding?.[0]?.code;
      const basedOn = /^ServiceRequest\/(.+)$/.exec(o.basedOn?.[0]?.reference ?? '')?.[1];
      return {
        value: o.valueQuantity?.value as number,
        ...(o.valueQuantity?.unit ? { unit: o.valueQuantity.unit } : {}),
        ...(interpretation ? { interpretation } : {}),
        at: o.effectiveDateTime ?? o.issued ?? '',
        ...(basedOn ? { orderId: basedOn } : {}),
      };
    })
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
    .slice(0, PREVIOUS_SHOWN);
}
