/** What the gateway answers for the lab's screens (see apps/gateway/src/result and specimen). */

export type Interpretation = 'N' | 'L' | 'H' | 'LL' | 'HH';

/** Who a row is about: name, identity number already masked by the gateway, sex, birth date. */
export interface PatientSummary {
  id: string;
  name?: string;
  residentId?: string;
  gender?: string;
  birthDate?: string;
}

export interface PreviousResult {
  value: number;
  unit?: string;
  interpretation?: string;
  at: string;
  orderId?: string;
}

export interface VerificationResult {
  code: string;
  display: string;
  displayZh?: string;
  value: number;
  unit?: string;
  low?: number;
  high?: number;
  interpretation: Interpretation;
  delta: boolean;
  note?: string;
  effectiveDateTime?: string;
  previous: PreviousResult[];
}

/** `GET /api/lab/verifications`: one report version waiting for a lab physician. */
export interface VerificationItem {
  orderId: string;
  reportId: string;
  version: number;
  code: string;
  priority: string;
  enteredBy: string;
  enteredByName?: string;
  enteredAt: string;
  flags: Array<{ code: string; interpretation: Interpretation; delta: boolean }>;
  correctionReason?: string;
  orderNumber?: string;
  requester?: { org: string; name: string; nameEn: string };
  item?: { display: string; displayZh: string };
  patient?: PatientSummary;
  results: VerificationResult[];
}

/** `POST /api/lab/reports/{orderId}/verification`. */
export interface VerifyAnswer {
  reportId: string;
  orderId: string;
  version: number;
  status: 'final' | 'amended';
  critical: number;
}

export const SpecimenRejectionReasons = [
  'haemolysed',
  'clotted',
  'insufficient-volume',
  'wrong-container',
  'unlabelled',
  'transport-time-exceeded',
] as const;
export type SpecimenRejectionReason = (typeof SpecimenRejectionReasons)[number];

export type SpecimenStatus =
  'awaiting-collection' | 'collected' | 'in-transit' | 'received' | 'rejected';

/** `GET /api/lab/specimens/{accession}` (no patient data). */
export interface SpecimenView {
  accession: string;
  orderId: string;
  type: string;
  status: SpecimenStatus;
  requesterOrg: string;
  collectedAt?: string;
  collector?: string;
  batchId?: string;
  shippedAt?: string;
  courier?: string;
  receivedAt?: string;
  receiver?: string;
  condition?: string;
  rejectionReason?: SpecimenRejectionReason;
  rejectionNote?: string;
  transportMinutes?: number;
  transportLimitMinutes?: number;
}

/** True for a critical interpretation (危急值). */
export function isCritical(interpretation: string | undefined): boolean {
  return interpretation === 'HH' || interpretation === 'LL';
}
