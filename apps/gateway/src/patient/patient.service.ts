import { Injectable } from '@nestjs/common';
import type { Identifier, Patient } from 'fhir/r4';
import { type EntityManager } from 'typeorm';
import { FhirError, mrnSystem } from '@hub/fhir';
import {
  RESIDENT_ID_SYSTEM,
  checkResidentId,
  normalizeResidentId,
  residentIdDisagreements,
} from '@hub/identity';
import { type AuditAgent } from '../audit/accessor';
import { FhirStore } from '../fhir/fhir-store.service';
import { PatientLinkService } from './patient-link.service';

export interface PatientLink {
  patient: Patient & { id: string };
  created: boolean;
}

/**
 * Patients and their identifiers: the 居民身份证号 links a person across every member; a member's
 * MRN links within that member. Submitting a patient whose identifier is already known links to
 * the existing record (adding the new identifiers and the submitting member as an owner) instead of
 * creating a duplicate.
 */
@Injectable()
export class PatientService {
  constructor(
    private readonly store: FhirStore,
    private readonly links: PatientLinkService,
  ) {}

  /**
   * Validates the identifiers of a submitted patient, then links or creates it.
   * @param path where the patient sits in the request, for error expressions (`Patient`, `Bundle.entry[0].resource`)
   */
  async createOrLink(
    manager: EntityManager,
    input: Patient,
    org: string,
    path = 'Patient',
    agent?: AuditAgent,
  ): Promise<PatientLink> {
    for (const field of ['birthDate', 'gender'] as const) {
      const value: unknown = input[field];
      if (value !== undefined && typeof value !== 'string')
        throw FhirError.unprocessable(`${path}.${field} must be a string`, [`${path}.${field}`]);
    }
    const identifiers = validatePatientIdentifiers(
      input.identifier ?? [],
      org,
      `${path}.identifier`,
    );
    // The number carries the birth date and the sex: a registration contradicting it is wrong.
    const residentId = identifiers.find((i) => i.system === RESIDENT_ID_SYSTEM)?.value;
    const disagreements = residentId
      ? residentIdDisagreements(residentId, { birthDate: input.birthDate, gender: input.gender })
      : [];
    if (disagreements.length)
      throw FhirError.unprocessable(
        `${path}: ${disagreements.map((d) => d.reason).join('; ')}; correct the registration`,
        disagreements.map((d) => `${path}.${d.field}`),
      );
    const matches = await this.findByIdentifiers(manager, identifiers);
    if (matches.size > 1) {
      // e.g. the 居民身份证号 is one person's and the MRN another's: linking either way would merge records.
      throw FhirError.conflict(
        `${path}.identifier: these identifiers belong to ${matches.size} different patients in the consortium record; correct the identifiers (or have the records merged) before resubmitting`,
      );
    }
    const existingId = [...matches][0];
    if (existingId) {
      const current = await this.store.lockForUpdate<Patient & { id: string }>(
        manager,
        'Patient',
        existingId,
      );
      if (!current) throw new Error(`patient_identifier points at missing Patient/${existingId}`);
      const known = new Set((current.identifier ?? []).map(identifierKey));
      const added = identifiers.filter((i) => !known.has(identifierKey(i)));
      // A person has one 居民身份证号 and one MRN per member: a different value in the same system
      // means the submission describes someone else.
      const clash = added.find((i) => current.identifier?.some((c) => c.system === i.system));
      if (clash) {
        throw FhirError.conflict(
          `${path}.identifier: the patient found by the other identifiers already has a different ${clash.system} identifier; correct the identifiers (or have the records merged) before resubmitting`,
        );
      }
      // What the record does not say yet (a patient first known by an MRN only) is taken from the
      // submission; what it says is never overwritten here.
      const filled = missingDemographics(current, input);
      const knownId = current.identifier?.find((i) => i.system === RESIDENT_ID_SYSTEM)?.value;
      const contradicted = knownId
        ? residentIdDisagreements(knownId, {
            birthDate: filled.birthDate,
            gender: filled.gender,
          })
        : [];
      if (contradicted.length)
        throw FhirError.unprocessable(
          `${path}: ${contradicted.map((d) => d.reason).join('; ')} (the patient found has that 居民身份证号); correct the registration`,
          contradicted.map((d) => `${path}.${d.field}`),
        );
      if (added.length === 0 && Object.keys(filled).length === 0) {
        // Nothing new about the person: no new version, but the member now sees them.
        await this.addOwner(manager, current.id, org);
        if (agent) await this.store.auditAccess(manager, 'R', 'create', current, agent);
        return { patient: current, created: false };
      }
      const updated = await this.store.update(
        manager,
        { ...current, ...filled, identifier: [...(current.identifier ?? []), ...added] },
        [org],
        agent,
      );
      await this.indexIdentifiers(manager, updated.id, added);
      // With a name, birth date, sex or phone now known the record may match another.
      if (Object.keys(filled).length) await this.links.propose(manager, updated);
      return { patient: updated, created: false };
    }
    const { id: _ignored, meta: _meta, ...content } = input;
    const created = await this.store.create(
      manager,
      { ...content, resourceType: 'Patient' as const, identifier: identifiers },
      [org],
      agent,
    );
    await this.indexIdentifiers(manager, created.id, identifiers);
    // Without a 居民身份证号 the same person may already be known under another member's MRN.
    await this.links.propose(manager, created);
    return { patient: created, created: true };
  }

  /** Resolves a logical reference by identifier, creating a minimal patient when none is known. */
  async linkByIdentifier(
    manager: EntityManager,
    identifier: Identifier,
    org: string,
    path: string,
    agent?: AuditAgent,
  ): Promise<PatientLink> {
    return this.createOrLink(
      manager,
      { resourceType: 'Patient', identifier: [identifier] },
      org,
      path,
      agent,
    );
  }

  /**
   * Every identifier the consortium knows for the person one identifier names (in the spirit of
   * IHE PIXm `$ihe-pix`): the 居民身份证号 and each member's MRN, and the Patient id, optionally
   * only those of `targetSystems`. Undefined when the identifier names nobody.
   */
  async crossReference(
    sourceIdentifier: { system: string; value: string },
    targetSystems: string[] = [],
  ): Promise<{ patientId: string; identifiers: Identifier[] } | undefined> {
    const value =
      sourceIdentifier.system === RESIDENT_ID_SYSTEM
        ? normalizeResidentId(sourceIdentifier.value)
        : sourceIdentifier.value;
    const rows = await this.store.manager.query<Array<{ patient_id: string }>>(
      `SELECT patient_id FROM gateway.patient_identifier WHERE system = $1 AND value = $2`,
      [sourceIdentifier.system, value],
    );
    const patientId = rows[0]?.patient_id;
    if (!patientId) return undefined;
    // The person's records: this one and those confirmed to be the same person.
    const records = [patientId, ...(await this.links.confirmedWith(patientId))];
    const known = await this.store.manager.query<Array<{ system: string; value: string }>>(
      `SELECT DISTINCT system, value FROM gateway.patient_identifier
        WHERE patient_id = ANY ($1::text[]) ORDER BY system, value`,
      [records],
    );
    return {
      patientId,
      identifiers: known
        .filter((i) => targetSystems.length === 0 || targetSystems.includes(i.system))
        .map((i) => ({ system: i.system, value: i.value })),
    };
  }

  /** Makes `org` an owner of the patient (a member that orders for this patient sees them). */
  async addOwner(manager: EntityManager, patientId: string, org: string): Promise<void> {
    await manager.query(
      `UPDATE gateway.fhir_resource SET owner_orgs = array_append(owner_orgs, $3)
       WHERE resource_type = $1 AND id = $2 AND NOT ($3 = ANY(owner_orgs))`,
      ['Patient', patientId, org],
    );
  }

  /** The patients any of these identifiers already belong to. */
  private async findByIdentifiers(
    manager: EntityManager,
    identifiers: Identifier[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    for (const identifier of identifiers) {
      const rows = await manager.query<Array<{ patient_id: string }>>(
        `SELECT patient_id FROM gateway.patient_identifier WHERE system = $1 AND value = $2`,
        [identifier.system, identifier.value],
      );
      for (const row of rows) found.add(row.patient_id);
    }
    return found;
  }

  private async indexIdentifiers(
    manager: EntityManager,
    patientId: string,
    identifiers: Identifier[],
  ): Promise<void> {
    for (const identifier of identifiers) {
      await manager.query(
        `INSERT INTO gateway.patient_identifier (system, value, patient_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [identifier.system, identifier.value, patientId],
      );
    }
  }
}

/**
 * Checks a patient's identifiers: every 居民身份证号 must pass GB 11643; an MRN must be in the
 * submitting member's own system; at least one of the two is required. Returns them normalised.
 */
export function validatePatientIdentifiers(
  identifiers: Identifier[],
  org: string,
  path: string,
): Identifier[] {
  if (!Array.isArray(identifiers))
    throw FhirError.unprocessable(`${path} must be a list of identifiers`, [path]);
  const ownMrn = mrnSystem(org);
  let linking = 0;
  const result = identifiers.map((identifier, index) => {
    const where = `${path}[${index}]`;
    if (
      typeof identifier?.system !== 'string' ||
      typeof identifier.value !== 'string' ||
      !identifier.system ||
      !identifier.value
    ) {
      throw FhirError.unprocessable(`${where} needs both system and value, as strings`, [where]);
    }
    if (identifier.system === RESIDENT_ID_SYSTEM) {
      const check = checkResidentId(identifier.value.trim());
      if (!check.valid) {
        throw FhirError.unprocessable(
          `${where}.value is not a valid 居民身份证号 (resident identity number): ${check.reason}`,
          [`${where}.value`],
        );
      }
      linking++;
      return { ...identifier, value: normalizeResidentId(identifier.value) };
    }
    if (identifier.system.startsWith('urn:hub:mrn:')) {
      if (identifier.system !== ownMrn) {
        throw FhirError.unprocessable(
          `${where}.system: an MRN must use your own organisation's system ${ownMrn}`,
          [`${where}.system`],
        );
      }
      linking++;
    }
    return identifier;
  });
  if (linking === 0) {
    throw FhirError.unprocessable(
      `${path}: the patient needs a 居民身份证号 (system ${RESIDENT_ID_SYSTEM}) or your MRN (system ${ownMrn})`,
      [path],
    );
  }
  return result;
}

const DEMOGRAPHICS = ['name', 'gender', 'birthDate', 'telecom', 'address'] as const;

/** The demographic fields the submission gives and the record lacks. */
function missingDemographics(current: Patient, input: Patient): Partial<Patient> {
  const filled: Partial<Patient> = {};
  for (const field of DEMOGRAPHICS) {
    const given = input[field];
    const empty =
      current[field] === undefined || (Array.isArray(current[field]) && !current[field].length);
    if (given !== undefined && empty && !(Array.isArray(given) && !given.length))
      Object.assign(filled, { [field]: given });
  }
  return filled;
}

function identifierKey(identifier: Identifier): string {
  return `${identifier.system}|${identifier.value}`;
}
