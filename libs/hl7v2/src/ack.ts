import { type Hl7v2Message, escapeHl7 } from './message';

export type AckCode = 'AA' | 'AE' | 'AR';

/** HL7 table 0357 error codes used by the hub. */
export const ErrorCodes = {
  SegmentSequence: '100',
  RequiredFieldMissing: '101',
  DataTypeError: '102',
  TableValueNotFound: '103',
  UnsupportedMessageType: '200',
  UnsupportedEventCode: '201',
  UnsupportedProcessingId: '202',
  UnsupportedVersion: '203',
  UnknownKeyIdentifier: '204',
  DuplicateKeyIdentifier: '205',
  ApplicationRecordLocked: '206',
  ApplicationInternalError: '207',
} as const;

export interface AckError {
  /** ERR-3 (HL7 table 0357). */
  code: (typeof ErrorCodes)[keyof typeof ErrorCodes];
  /** ERR-8: human-readable, naming the segment and field. */
  text: string;
  /** ERR-2: the location, e.g. `PID^1^3` (segment, sequence, field). */
  location?: { segment: string; field?: number };
  /** ERR-4: E (error) or W (warning). */
  severity?: 'E' | 'W';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** HL7 DTM timestamp for `date` with its UTC offset as +0800 style. */
export function hl7Timestamp(date = new Date(), offsetMinutes = 480): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return (
    `${local.getUTCFullYear()}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}` +
    `${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/**
 * An original-mode ACK for `request` (or for an unparseable message, whose control id is
 * unknown): MSH swapping sender and receiver, echoing MSH-18 so the reply is in the sender's
 * character set, MSA, and an ERR segment per problem.
 */
export function buildAck(options: {
  request?: Hl7v2Message;
  code: AckCode;
  controlId: string;
  errors?: AckError[];
  /** Who we are (MSH-3/MSH-4), when the request does not say. */
  self?: { application: string; facility: string };
  /**
   * An application response instead of a bare ACK (e.g. ORR^O02 to an accepted ORM^O01): its
   * message type for MSH-9 and the segments that follow MSA.
   */
  response?: { messageType: string; segments: string[] };
}): string {
  const msh = options.request?.segment('MSH');
  const self = options.self ?? { application: 'HUB', facility: 'HUB' };
  const event = msh?.get(9, 2) ?? '';
  const fields = [
    'MSH',
    '^~\\&',
    msh?.get(5) || self.application,
    msh?.get(6) || self.facility,
    msh?.get(3) ?? '',
    msh?.get(4) ?? '',
    hl7Timestamp(),
    '',
    options.response?.messageType ?? `ACK^${escapeHl7(event)}^ACK`,
    options.controlId,
    msh?.get(11) || 'P',
    msh?.get(12) || '2.5.1',
    '',
    '',
    '',
    '',
    msh?.get(17) ?? '',
    msh?.raw(18) ?? '',
  ];
  while (fields.length > 12 && fields[fields.length - 1] === '') fields.pop();
  const segments = [fields.join('|')];
  const requestControlId = msh?.get(10) ?? '';
  const firstText = options.errors?.[0]?.text ?? '';
  segments.push(
    ['MSA', options.code, escapeHl7(requestControlId), escapeHl7(firstText.slice(0, 80))]
      .join('|')
      .replace(/\|+$/, ''),
  );
  for (const error of options.errors ?? []) {
    const location = error.location
      ? `${error.location.segment}^1${error.location.field ? `^${error.location.field}` : ''}`
      : '';
    segments.push(
      [
        'ERR',
        '',
        location,
        `${error.code}^^HL70357`,
        error.severity ?? 'E',
        '',
        '',
        '',
        escapeHl7(error.text),
      ].join('|'),
    );
  }
  segments.push(...(options.response?.segments ?? []));
  return segments.join('\r');
}

/** An order as the hub answers for it in ORR^O02 / ORL^O22. */
export interface OrderResponseItem {
  /** OK: accepted; CR: cancelled as requested (HL7 table 0119). */
  control: 'OK' | 'CR';
  placer: string;
  /** The hub's order number (filler order number). */
  filler: string;
  code: string;
  codeSystem: string;
  /**
   * Lab orders: the specimen accession number to print on the label, and the specimen type;
   * imaging orders: the accession number for the modality worklist (no specimen type).
   */
  accession?: string;
  specimenType?: string;
}

/**
 * The application response to an accepted order message: ORL^O22 for OML^O21 (ORC, OBR and SPM
 * with the specimen accession number in SPM-2 as the filler-assigned specimen id) and ORR^O02 for
 * ORM^O01 (ORC and OBR; ORR has no SPM, so the accession number goes in OBR-20, filler field 1,
 * as does an imaging order's accession number in either response).
 * Undefined for other message types, which get a bare ACK.
 */
export function orderResponse(
  requestType: string,
  orders: OrderResponseItem[],
): { messageType: string; segments: string[] } | undefined {
  const oml = requestType === 'OML^O21';
  if (!oml && requestType !== 'ORM^O01') return undefined;
  const e = escapeHl7;
  const codeSystem = (system: string) => (system === 'http://loinc.org' ? 'LN' : '99HUB');
  const segments = orders.flatMap((order, i) => {
    const orc = ['ORC', order.control, e(order.placer), `${e(order.filler)}^HUB`].join('|');
    const obrFields = [
      'OBR',
      String(i + 1),
      e(order.placer),
      `${e(order.filler)}^HUB`,
      `${e(order.code)}^^${codeSystem(order.codeSystem)}`,
    ];
    // A specimen accession travels in SPM for OML; otherwise (ORR, or an imaging accession
    // number) in OBR-20.
    if (order.accession && !(oml && order.specimenType)) {
      while (obrFields.length < 20) obrFields.push('');
      obrFields.push(e(order.accession));
    }
    const spm =
      oml && order.accession && order.specimenType
        ? [
            [
              'SPM',
              '1',
              `^${e(order.accession)}&HUB`,
              '',
              `${e(order.specimenType ?? '')}^^99HUB`,
            ].join('|'),
          ]
        : [];
    return [orc, obrFields.join('|'), ...spm];
  });
  return oml
    ? { messageType: 'ORL^O22^ORL_O22', segments }
    : { messageType: 'ORR^O02^ORR_O02', segments };
}

/**
 * An HL7 DTM (`YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`) as an ISO 8601 instant. Without an offset
 * the time is taken as `defaultOffset` (China Standard Time). Undefined when it is not a DTM.
 */
export function hl7DateTimeToIso(value: string, defaultOffset = '+08:00'): string | undefined {
  const match = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/.exec(
    value.trim(),
  );
  if (!match) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : defaultOffset;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${offset}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23)
    return undefined;
  return date.toISOString();
}
