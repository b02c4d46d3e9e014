import type { DiagnosticReport, Observation, Patient, ServiceRequest } from 'fhir/r4';
import { hasIdentifierType, Systems } from '@hub/fhir';
import { escapeHl7, hl7Timestamp } from '@hub/hl7v2';
import { RESIDENT_ID_SYSTEM } from '@hub/identity';

const SEX: Record<string, string> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

/** An HL7 DTM in China Standard Time for an ISO instant (empty when absent). */
function dtm(iso: string | undefined): string {
  return iso ? hl7Timestamp(new Date(iso)) : '';
}

const e = (value: string | number | undefined) =>
  escapeHl7(value === undefined ? '' : String(value));

/** A CWE for a coded concept: code^display^LN for LOINC, L (local) otherwise. */
function coding(
  codes: { coding?: Array<{ system?: string; code?: string; display?: string }> } | undefined,
): string {
  const c = codes?.coding?.[0];
  return `${e(c?.code)}^${e(c?.display)}^${c?.system === Systems.Loinc ? 'LN' : 'L'}`;
}

/** MSH of a message from the hub to a member's system, in the member's character set. */
function mshSegment(
  messageType: string,
  controlId: string,
  receiver: { facility: string; charset: string },
): string {
  return [
    'MSH',
    '^~\\&',
    'HUB',
    'HUB',
    '',
    e(receiver.facility),
    hl7Timestamp(),
    '',
    messageType,
    e(controlId),
    'P',
    '2.5.1',
    '',
    '',
    '',
    '',
    'CHN',
    e(receiver.charset),
  ].join('|');
}

/** PID with the 居民身份证号 and the member's own MRN (the identifiers the member knows). */
function pidSegment(patient: Patient, facility: string): string {
  const identifiers = (patient.identifier ?? [])
    .map((identifier) => {
      if (identifier.system === RESIDENT_ID_SYSTEM)
        return `${e(identifier.value)}^^^&2.16.156.10011.1.3&ISO^NNCHN`;
      if (identifier.system === `urn:hub:mrn:${facility}`)
        return `${e(identifier.value)}^^^${e(facility)}^MR`;
      return undefined;
    })
    .filter((value): value is string => value !== undefined)
    .join('~');
  const name = patient.name?.[0];
  return [
    'PID',
    '1',
    '',
    identifiers,
    '',
    `${e(name?.family)}^${e(name?.given?.[0])}`,
    '',
    (patient.birthDate ?? '').replace(/-/g, ''),
    SEX[patient.gender ?? ''] ?? '',
  ].join('|');
}

/** The clinic's placer number and the hub's order number of an order. */
function orderNumbers(order: ServiceRequest): { placer: string; filler: string } {
  return {
    placer: order.identifier?.find((i) => hasIdentifierType(i, 'PLAC'))?.value ?? '',
    filler: order.identifier?.find((i) => hasIdentifierType(i, 'FILL'))?.value ?? '',
  };
}

/**
 * ORM^O01 telling the clinic its order is held or failed (ORC-1 SC, status changed; ORC-5 HD on
 * hold or CA when it cannot be done), with the reason in ORC-16 and an NTE, and the specimen's
 * accession number in OBR-20 as in the hub's ORR^O02. The clinic recollects or reorders.
 */
export function buildOrderStatus(options: {
  controlId: string;
  receiver: { facility: string; charset: string };
  patient: Patient;
  order: ServiceRequest;
  status: 'on-hold' | 'failed';
  reason: string;
  accession?: string;
}): string {
  const { placer, filler } = orderNumbers(options.order);
  const obr = ['OBR', '1', e(placer), e(filler), coding(options.order.code)];
  if (options.accession) {
    while (obr.length < 20) obr.push('');
    obr.push(e(options.accession));
  }
  return [
    mshSegment('ORM^O01^ORM_O01', options.controlId, options.receiver),
    pidSegment(options.patient, options.receiver.facility),
    [
      'ORC',
      'SC',
      e(placer),
      e(filler),
      '',
      options.status === 'on-hold' ? 'HD' : 'CA',
      ...new Array<string>(10).fill(''),
      `^${e(options.reason)}`,
    ].join('|'),
    obr.join('|'),
    ['NTE', '1', 'L', e(options.reason)].join('|'),
  ].join('\r');
}

/**
 * ORU^R01 for a report going back to the ordering clinic: PID (居民身份证号 and the clinic's MRN),
 * ORC/OBR with the clinic's placer number and the hub's order number, one OBX per observation
 * with value, unit, range, flag and status, NTE with the conclusion (and the HR recognition mark,
 * NTE-2 source `RE`, when the report carries it). A corrected report (version
 * after an amendment) carries status C.
 */
export function buildOru(options: {
  controlId: string;
  receiver: { facility: string; charset: string };
  patient: Patient;
  order: ServiceRequest;
  report: DiagnosticReport;
  observations: Observation[];
  correction: boolean;
}): string {
  const { patient, order, report } = options;
  const status = options.correction ? 'C' : 'F';
  const { placer, filler } = orderNumbers(order);
  const segments = [
    mshSegment('ORU^R01^ORU_R01', options.controlId, options.receiver),
    pidSegment(patient, options.receiver.facility),
    ['ORC', 'RE', e(placer), e(filler), '', 'CM'].join('|'),
    [
      'OBR',
      '1',
      e(placer),
      e(filler),
      coding(report.code),
      '',
      '',
      dtm(report.effectiveDateTime),
      ...new Array<string>(14).fill(''),
      dtm(report.issued),
      '',
      'LAB',
      status,
    ].join('|'),
  ];
  let notes = 0;
  if (report.conclusion)
    segments.push(['NTE', String(++notes), 'L', e(report.conclusion)].join('|'));
  // 检查检验结果互认: the recognition mark travels with the report to the clinic's own system.
  if (report.meta?.tag?.some((tag) => tag.system === 'urn:hub:recognition' && tag.code === 'HR'))
    segments.push(
      ['NTE', String(++notes), 'RE', e('HR 检查检验结果互认 mutually recognized')].join('|'),
    );
  // A narrative report (imaging): its text as a formatted-text OBX (line breaks escaped as \.br\).
  const narrative = (report.presentedForm ?? []).filter(
    (form) => form.data && (form.contentType ?? '').startsWith('text/plain'),
  );
  narrative.forEach((form, index) => {
    const text = Buffer.from(form.data ?? '', 'base64').toString('utf8');
    segments.push(
      [
        'OBX',
        String(index + 1),
        'FT',
        coding(report.code),
        '',
        e(text.replace(/\r\n/g, '\n')),
        '',
        '',
        '',
        '',
        '',
        status,
      ].join('|'),
    );
  });
  options.observations.forEach((observation, index) => {
    const quantity = observation.valueQuantity;
    const range = observation.referenceRange?.[0];
    const rangeText = range ? `${range.low?.value ?? ''}-${range.high?.value ?? ''}` : '';
    const flag = observation.interpretation?.[0]?.coding?.[0]?.code ?? '';
    segments.push(
      [
        'OBX',
        String(narrative.length + index + 1),
        'NM',
        coding(observation.code),
        '',
        e(quantity?.value),
        `${e(quantity?.code ?? quantity?.unit)}^^UCUM`,
        e(rangeText),
        e(flag),
        '',
        '',
        status,
        '',
        '',
        dtm(observation.effectiveDateTime),
      ].join('|'),
    );
  });
  return segments.join('\r');
}
