import { type SubmittedResult } from '@hub/contracts';
import { ErrorCodes, type Hl7v2Message, hl7DateTimeToIso } from '@hub/hl7v2';
import { Hl7Refusal } from './hl7-order.mapper';

export interface MappedResultGroup {
  /** Index of the OBR in the message (0-based). */
  index: number;
  /** OBR-3: the hub's order number (FILL), when the analyser middleware echoes it. */
  fillerNumber?: string;
  /** OBR-2: the clinic's placer number. */
  placerNumber?: string;
  results: SubmittedResult[];
}

/** OBX-11 result statuses the hub accepts: final and corrected. */
const ACCEPTED_STATUSES = new Set(['F', 'C']);

/**
 * Maps an ORU^R01 from a centre's analyser middleware: one group per OBR with its OBX rows. OBX-3
 * is the analyte's LOINC code, OBX-5 the numeric value, OBX-6 its UCUM unit, OBX-14 the time.
 * OBX-7 ranges and OBX-8 flags are not taken from the analyser: the lab computes them from its
 * configured ranges.
 */
export function mapResultMessage(message: Hl7v2Message): MappedResultGroup[] {
  const groups: MappedResultGroup[] = [];
  let current: MappedResultGroup | undefined;
  let obxIndex = 0;
  // Read once: per segment, a message of thousands of OBX rows took minutes and blocked the gateway.
  const obrs = message.segments('OBR');
  const obxs = message.segments('OBX');
  for (const name of message.segmentNames) {
    if (name === 'OBR') {
      const obr = obrs[groups.length];
      current = {
        index: groups.length,
        fillerNumber: obr.get(3) || undefined,
        placerNumber: obr.get(2) || undefined,
        results: [],
      };
      if (!current.fillerNumber && !current.placerNumber) {
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.RequiredFieldMissing,
          text: 'OBR-3 (filler order number) or OBR-2 (placer order number) is required',
          location: { segment: 'OBR', field: 3 },
        });
      }
      groups.push(current);
    } else if (name === 'OBX') {
      const obx = obxs[obxIndex++];
      if (!current)
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.SegmentSequence,
          text: 'OBX must follow an OBR',
          location: { segment: 'OBX' },
        });
      const code = obx.get(3, 1);
      if (!code)
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.RequiredFieldMissing,
          text: `OBX ${obxIndex}: OBX-3 (observation identifier) is required`,
          location: { segment: 'OBX', field: 3 },
        });
      const status = (obx.get(11) || 'F').toUpperCase();
      if (!ACCEPTED_STATUSES.has(status)) {
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.TableValueNotFound,
          text: `OBX ${obxIndex}: OBX-11 status "${status}" is not accepted; send final (F) or corrected (C) results`,
          location: { segment: 'OBX', field: 11 },
        });
      }
      const rawValue = obx.get(5);
      const value = Number(rawValue);
      if (rawValue.trim() === '' || !Number.isFinite(value)) {
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.DataTypeError,
          text: `OBX ${obxIndex}: OBX-5 value "${rawValue}" is not a number`,
          location: { segment: 'OBX', field: 5 },
        });
      }
      const time = obx.get(14);
      const effectiveDateTime = time ? hl7DateTimeToIso(time) : undefined;
      if (time && !effectiveDateTime) {
        throw new Hl7Refusal('AE', {
          code: ErrorCodes.DataTypeError,
          text: `OBX ${obxIndex}: OBX-14 time "${time}" is not an HL7 date/time`,
          location: { segment: 'OBX', field: 14 },
        });
      }
      current.results.push({
        code,
        value,
        ...(obx.get(6, 1) ? { unit: obx.get(6, 1) } : {}),
        ...(effectiveDateTime ? { effectiveDateTime } : {}),
      });
    }
  }
  if (groups.length === 0)
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.SegmentSequence,
      text: 'OBR segment is required',
      location: { segment: 'OBR' },
    });
  const empty = groups.find((g) => g.results.length === 0);
  if (empty)
    throw new Hl7Refusal('AE', {
      code: ErrorCodes.SegmentSequence,
      text: `OBR ${empty.index + 1} has no OBX results`,
      location: { segment: 'OBX' },
    });
  return groups;
}
