import type { Extension, HumanName, Identifier, Patient, ServiceRequest } from 'fhir/r4';
import { type AckError, ErrorCodes, type Hl7v2Message, type Hl7v2Segment } from '@hub/hl7v2';
import { Systems, mrnSystem, placerSystem, typedIdentifier } from '@hub/fhir';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';
import {
  OVERRIDE_EXTENSION,
  OVERRIDE_REASON_SYSTEM,
  REUSE_EXTENSION,
} from '../recognition/recognition-decision';

/** A refusal of an inbound message: ACK code and the ERR segment that names the problem. */
export class Hl7Refusal extends Error {
  constructor(
    readonly ackCode: 'AE' | 'AR',
    readonly error: AckError,
  ) {
    super(error.text);
  }
}

/** A ServiceRequest before its subject is known (the patient is linked first). */
export type OrderWithoutSubject = Omit<ServiceRequest, 'subject'>;

export interface MappedOrder {
  /** Index of the ORC/OBR group in the message (0-based), for error locations. */
  index: number;
  /** ORC-1: NW a new order, CA a cancel of an earlier one. */
  control: 'NW' | 'CA';
  request: OrderWithoutSubject;
}

export interface MappedOrderMessage {
  /** The patient of new orders (undefined when the message only cancels). */
  patient?: Patient;
  orders: MappedOrder[];
}

/** ORC-1 order control codes the hub acts on (HL7 table 0119). */
const CONTROLS = new Set(['NW', 'CA']);

const PRIORITY: Record<string, ServiceRequest['priority']> = {
  S: 'stat',
  A: 'asap',
  R: 'routine',
  P: 'routine',
  T: 'urgent',
};
const GENDER: Record<string, Patient['gender']> = {
  M: 'male',
  F: 'female',
  O: 'other',
  U: 'unknown',
  A: 'other',
};

const missing = (segment: string, field: number, what: string) =>
  new Hl7Refusal('AE', {
    code: ErrorCodes.RequiredFieldMissing,
    text: `${segment}-${field} (${what}) is required`,
    location: { segment, field },
  });

/**
 * Maps an ORM^O01 or OML^O21 to the FHIR resources order intake takes: the patient from PID and one
 * ServiceRequest per ORC/OBR pair. Identity rules (GB 11643, own MRN) are checked by intake itself,
 * exactly as for FHIR.
 */
export function mapOrderMessage(message: Hl7v2Message, org: string): MappedOrderMessage {
  const pid = message.segment('PID');
  if (!pid)
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.SegmentSequence,
      text: 'PID segment is required',
      location: { segment: 'PID' },
    });
  const orcs = message.segments('ORC');
  const obrs = message.segments('OBR');
  if (obrs.length === 0)
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.SegmentSequence,
      text: 'OBR segment is required',
      location: { segment: 'OBR' },
    });
  const orders = obrs.map((obr, index): MappedOrder => {
    const control = (orcs[index]?.get(1) || 'NW').toUpperCase();
    if (!CONTROLS.has(control)) {
      throw new Hl7Refusal('AE', {
        code: ErrorCodes.TableValueNotFound,
        text: `ORC-1 order control "${control}" is not supported; send NW (new) or CA (cancel)`,
        location: { segment: 'ORC', field: 1 },
      });
    }
    return {
      index,
      control: control as MappedOrder['control'],
      request: mapOrder(orcs[index], obr, org),
    };
  });
  // A message that only cancels need not identify the patient again.
  const patient = orders.some((o) => o.control === 'NW') ? mapPatient(pid, org) : undefined;
  return { patient, orders };
}

function mapPatient(pid: Hl7v2Segment, org: string): Patient {
  const identifiers: Identifier[] = [];
  pid.repetitions(3).forEach((_rep, r) => {
    const value = pid.get(3, 1, 1, r);
    const authority = pid.get(3, 4, 2, r);
    const type = pid.get(3, 5, 1, r).toUpperCase();
    if (!value) return;
    if (type === 'NNCHN' || authority === '2.16.156.10011.1.3')
      identifiers.push({ system: RESIDENT_ID_SYSTEM, value });
    else if (type === 'MR') identifiers.push(typedIdentifier('MR', mrnSystem(org), value));
  });
  if (identifiers.length === 0) {
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.RequiredFieldMissing,
      text: 'PID-3 needs a 居民身份证号 (identifier type NNCHN or authority 2.16.156.10011.1.3) or your MRN (type MR)',
      location: { segment: 'PID', field: 3 },
    });
  }
  const family = pid.get(5, 1);
  const given = pid.get(5, 2);
  const name: HumanName[] =
    family || given
      ? [
          {
            family: family || undefined,
            given: given ? [given] : undefined,
            text: `${family}${given}`,
          },
        ]
      : [];
  const birth = pid.get(7);
  const birthDate = /^\d{8}/.test(birth)
    ? `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`
    : undefined;
  return {
    resourceType: 'Patient',
    identifier: identifiers,
    ...(name.length ? { name } : {}),
    ...(GENDER[pid.get(8).toUpperCase()] ? { gender: GENDER[pid.get(8).toUpperCase()] } : {}),
    ...(birthDate ? { birthDate } : {}),
  };
}

/**
 * ORC-16 (order control code reason, CWE) carries the clinic's decision about a recognized prior
 * result (结果互认): `reuse^DiagnosticReport/{id}` reuses the prior that `$recognition-check`
 * offered instead of ordering (nothing is routed); `{reason}^{text}` orders anyway with one of the
 * hub's override reasons (`emergency^急诊抢救`). Intake checks both and answers AE at ORC-16.
 */
function recognitionDecision(orc: Hl7v2Segment | undefined): Extension | undefined {
  const code = orc?.get(16, 1).trim().toLowerCase();
  if (!code) return undefined;
  const text = orc?.get(16, 2).trim() ?? '';
  if (code === 'reuse')
    return {
      url: REUSE_EXTENSION,
      valueReference: {
        reference: text.startsWith('DiagnosticReport/') ? text : `DiagnosticReport/${text}`,
      },
    };
  return {
    url: OVERRIDE_EXTENSION,
    valueCodeableConcept: {
      coding: [{ system: OVERRIDE_REASON_SYSTEM, code }],
      ...(text ? { text } : {}),
    },
  };
}

function mapOrder(
  orc: Hl7v2Segment | undefined,
  obr: Hl7v2Segment,
  org: string,
): OrderWithoutSubject {
  const placer = orc?.get(2) || obr.get(2);
  if (!placer) throw missing('ORC', 2, 'placer order number');
  const code = obr.get(4, 1);
  if (!code) throw missing('OBR', 4, 'universal service identifier');
  const codingSystem = obr.get(4, 3).toUpperCase();
  const system =
    codingSystem === 'LN' || codingSystem === 'LOINC' ? Systems.Loinc : Systems.HubCatalogue;
  const priorityCode = (obr.get(27, 6) || orc?.get(7, 6) || 'R').toUpperCase();
  const priority = PRIORITY[priorityCode];
  if (!priority) {
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.TableValueNotFound,
      text: `OBR-27.6 priority "${priorityCode}" is not S, A, R or T`,
      location: { segment: 'OBR', field: 27 },
    });
  }
  const decision = recognitionDecision(orc);
  return {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    priority,
    ...(decision ? { extension: [decision] } : {}),
    // Idempotency is per sending facility: the placer number lives in the facility's placer system.
    identifier: [typedIdentifier('PLAC', placerSystem(org), placer)],
    code: { coding: [{ system, code, display: obr.get(4, 2) || undefined }] },
  };
}
