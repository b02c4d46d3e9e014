import type { HumanName, Patient } from 'fhir/r4';
import { RESIDENT_ID_SYSTEM, maskResidentId } from '@hub/identity';

/**
 * Who a worklist row or an alert is about, as staff need to recognise the patient: the name, the
 * 居民身份证号 masked (first 6 and last 4 characters), sex and birth date. Never the whole number.
 */
export interface PatientSummary {
  id: string;
  name?: string;
  /** The identity number, masked. */
  residentId?: string;
  gender?: string;
  birthDate?: string;
}

/** The summary of a stored Patient (the hub's id when the resource is missing). */
export function patientSummary(id: string, patient: Patient | null | undefined): PatientSummary {
  if (!patient) return { id };
  const name = displayName(patient.name);
  const residentId = patient.identifier?.find((i) => i.system === RESIDENT_ID_SYSTEM)?.value;
  return {
    id,
    ...(name ? { name } : {}),
    ...(residentId ? { residentId: maskResidentId(residentId) } : {}),
    ...(patient.gender ? { gender: patient.gender } : {}),
    ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
  };
}

/** The official (else the first) name as written: its text, or family name then given names. */
function displayName(names: HumanName[] | undefined): string | undefined {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return undefined;
  if (name.text?.trim()) return name.text.trim();
  const family = name.family ?? '';
  const given = (name.given ?? []).join('');
  // Chinese names are written family name first, without a space.
  const cjk = /[\u3400-\u9fff]/.test(family + given);
  return (
    (cjk ? `${family}${given}` : [...(name.given ?? []), family].join(' ')).trim() || undefined
  );
}
