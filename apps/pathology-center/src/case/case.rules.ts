import { type CentreOrderStatus } from '@hub/centre';
import {
  type PathologyBatchView,
  type PathologyBlockView,
  type PathologyCaseView,
  type PathologySpecimenView,
} from '@hub/contracts';
import {
  type PathologyBatch,
  type PathologyBlock,
  type PathologyCase,
  type PathologyCaseEvent,
  type PathologySlide,
  type PathologySpecimen,
} from './case.entity';

/** The catalogue code of a frozen section (术中冰冻): fresh tissue, read while the patient is in theatre. */
export const FROZEN_SECTION_CODE = 'PATH-FROZEN';

/**
 * A case number as specimen, block and slide barcodes extend it (e.g. `P261123000012`). No `-`:
 * the number of `-`-separated parts then tells a case (1), specimen (2), block (3) and slide (4).
 */
export const CASE_NUMBER = /^[A-Za-z0-9]{1,32}$/;

/** The fixative of fresh (unfixed) tissue. */
export const FRESH_TISSUE = 'none';

/**
 * Longest formalin fixation before receipt. ASCO/CAP ask 6–72 h for breast specimens (ER/PR/HER2
 * testing); beyond 72 h antigens are masked (over-fixation). Under-fixation is not a receipt
 * problem: the tissue goes on fixing at the centre.
 */
export const MAX_FIXATION_HOURS = 72;

/** How far in the future a clinic's clock may be before a time it gives is refused. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Routine special stains (特殊染色), spelled as the slide label prints them. */
export const SPECIAL_STAINS = [
  'PAS',
  'PAS-D',
  'Masson',
  'Reticulin',
  'Congo red',
  'Ziehl-Neelsen',
  'GMS',
  'Giemsa',
  'Alcian blue',
  'Perls',
  'Elastic VG',
  'Mucicarmine',
  'Warthin-Starry',
  'Oil red O',
] as const;

/** An immunohistochemistry stain: `IHC:` and the marker (clone in brackets allowed): `IHC:Ki-67`. */
const IHC = /^IHC:([A-Za-z0-9][A-Za-z0-9+\-./() ]{0,39})$/i;

/** How the stains may be written, for a refusal. */
export const STAIN_FORMS = `'HE', a special stain (${SPECIAL_STAINS.join(', ')}) or 'IHC:<marker>' (e.g. IHC:Ki-67)`;

/** A stain as the slide records it (canonical spelling), or undefined when it is not one. */
export function stainOf(value: string): string | undefined {
  const stain = value.trim();
  if (/^H\s*&?\s*E$/i.test(stain)) return 'HE';
  const special = SPECIAL_STAINS.find((s) => s.toLowerCase() === stain.toLowerCase());
  if (special) return special;
  const ihc = IHC.exec(stain);
  return ihc ? `IHC:${ihc[1].trim()}` : undefined;
}

/** Block letters: 0 → A … 25 → Z, then AA, AB, … (as a spreadsheet names its columns). */
export function blockLetters(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** Orders barcodes as they are numbered: `-2` before `-10`, `-Z` before `-AA`. */
export function byNumbering(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether a fixative names fresh tissue. */
export function isFresh(fixative: string): boolean {
  return fixative.trim().toLowerCase() === FRESH_TISSUE;
}

/** Hours from the start of fixation to receipt, rounded to 0.1; undefined while either is unknown. */
export function fixationHours(
  specimen: Pick<PathologySpecimen, 'fixationStartedAt'>,
  receivedAt: Date | null,
): number | undefined {
  if (!specimen.fixationStartedAt || !receivedAt) return undefined;
  return round1((receivedAt.getTime() - specimen.fixationStartedAt.getTime()) / 3_600_000);
}

/** Minutes from collection to receipt, rounded to 0.1; undefined before receipt. */
export function minutesToReceipt(
  specimen: Pick<PathologySpecimen, 'collectedAt'>,
  receivedAt: Date | null,
): number | undefined {
  if (!receivedAt) return undefined;
  return round1((receivedAt.getTime() - specimen.collectedAt.getTime()) / 60_000);
}

/**
 * The receipt checks of fixed tissue (Chinese, then English): fixation must have started, and not
 * more than {@link MAX_FIXATION_HOURS} before receipt. Fresh tissue has none: how long it took to
 * arrive is recorded, not judged (the frozen section's clock is the theatre's).
 */
export function receiptProblems(
  specimen: Pick<PathologySpecimen, 'fixative' | 'fixationStartedAt'>,
  receivedAt: Date,
): string[] {
  if (isFresh(specimen.fixative)) return [];
  const hours = fixationHours(specimen, receivedAt);
  if (hours === undefined) return ['未记录固定开始时间 the time fixation started was not recorded'];
  if (hours > MAX_FIXATION_HOURS)
    return [
      `固定${hours}小时，超过${MAX_FIXATION_HOURS}小时（过度固定） fixed ${hours} h before receipt, over the ${MAX_FIXATION_HOURS} h limit (over-fixation)`,
    ];
  return [];
}

/** What a receipt records of the specimen's condition (for the case's events). */
export function receiptNote(specimen: PathologySpecimen, receivedAt: Date): string {
  if (isFresh(specimen.fixative))
    return `新鲜组织，离体${minutesToReceipt(specimen, receivedAt)}分钟 fresh tissue, ${minutesToReceipt(specimen, receivedAt)} min after collection`;
  const hours = fixationHours(specimen, receivedAt);
  return hours === undefined
    ? `${specimen.fixative}`
    : `${specimen.fixative}，已固定${hours}小时 fixed ${hours} h`;
}

/** Most specimens one transport box holds. */
export const MAX_BOX_SPECIMENS = 50;

/** A transport box id: `PB` + the UTC date (yyMMdd) + the box sequence's number, 6 digits or more. */
export function batchIdOf(at: Date, sequence: string): string {
  return `PB${at.toISOString().slice(2, 10).replace(/-/g, '')}${sequence.padStart(6, '0')}`;
}

/** A transport box with where each of its specimens stands, and why a receipt left one in transit. */
export function batchView(
  batch: PathologyBatch,
  specimens: PathologySpecimen[],
  refusals: ReadonlyMap<string, string> = new Map(),
): PathologyBatchView {
  return {
    batchId: batch.batchId,
    org: batch.org,
    shippedBy: batch.shippedBy,
    shippedAt: batch.shippedAt.toISOString(),
    ...(batch.courier ? { courier: batch.courier } : {}),
    ...(batch.receivedAt ? { receivedAt: batch.receivedAt.toISOString() } : {}),
    ...(batch.receivedBy ? { receivedBy: batch.receivedBy } : {}),
    specimens: [...specimens]
      .sort(
        (a, b) => caseOf(a.label).localeCompare(caseOf(b.label)) || byNumbering(a.label, b.label),
      )
      .map((s) => {
        const refusal = refusals.get(s.label);
        return {
          label: s.label,
          orderId: s.orderId,
          status: s.status,
          ...(refusal ? { refusal } : {}),
        };
      }),
  };
}

/** The rows of one case, as {@link caseView} assembles them. */
export interface CaseRows {
  case: PathologyCase;
  order: { code: string; priority: string; requesterOrgId: string; status: CentreOrderStatus };
  specimens: PathologySpecimen[];
  blocks: PathologyBlock[];
  slides: PathologySlide[];
  events: PathologyCaseEvent[];
}

/** The case with its chain, specimens → blocks → slides, and every step in time order. */
export function caseView(rows: CaseRows): PathologyCaseView {
  const c = rows.case;
  const slidesOf = (block: string) =>
    rows.slides
      .filter((slide) => slide.blockBarcode === block)
      .sort((a, b) => byNumbering(a.barcode, b.barcode))
      .map((slide) => ({
        barcode: slide.barcode,
        stain: slide.stain,
        createdBy: slide.createdBy,
        createdAt: slide.createdAt.toISOString(),
      }));
  const blocksOf = (label: string): PathologyBlockView[] =>
    rows.blocks
      .filter((block) => block.specimenLabel === label)
      .sort((a, b) => byNumbering(a.barcode, b.barcode))
      .map((block) => ({
        barcode: block.barcode,
        ...(block.description ? { description: block.description } : {}),
        createdBy: block.createdBy,
        createdAt: block.createdAt.toISOString(),
        slides: slidesOf(block.barcode),
      }));
  const specimens = [...rows.specimens]
    .sort((a, b) => byNumbering(a.label, b.label))
    .map((s): PathologySpecimenView => {
      const hours = fixationHours(s, s.receivedAt);
      const minutes = minutesToReceipt(s, s.receivedAt);
      return {
        label: s.label,
        status: s.status,
        site: s.site,
        fixative: s.fixative,
        ...(s.fixationStartedAt ? { fixationStartedAt: s.fixationStartedAt.toISOString() } : {}),
        ...(s.container ? { container: s.container } : {}),
        collectedAt: s.collectedAt.toISOString(),
        collectedBy: s.collectedBy,
        ...(s.batchId ? { batchId: s.batchId } : {}),
        ...(s.shippedAt ? { shippedAt: s.shippedAt.toISOString() } : {}),
        ...(s.receivedAt ? { receivedAt: s.receivedAt.toISOString() } : {}),
        ...(s.receivedBy ? { receivedBy: s.receivedBy } : {}),
        ...(minutes === undefined ? {} : { minutesToReceipt: minutes }),
        ...(hours === undefined ? {} : { fixationHoursAtReceipt: hours }),
        ...(s.acceptedDespite ? { acceptedDespite: s.acceptedDespite } : {}),
        ...(s.rejectedAt ? { rejectedAt: s.rejectedAt.toISOString() } : {}),
        ...(s.rejectedBy ? { rejectedBy: s.rejectedBy } : {}),
        ...(s.rejectionReason ? { rejectionReason: s.rejectionReason } : {}),
        blocks: blocksOf(s.label),
      };
    });
  return {
    orderId: c.orderId,
    caseNumber: c.caseNumber,
    code: rows.order.code,
    priority: rows.order.priority,
    requesterOrg: rows.order.requesterOrgId,
    frozen: c.frozen,
    specimens,
    ...(c.grossDescription && c.grossedBy && c.grossedAt
      ? {
          gross: {
            description: c.grossDescription,
            by: c.grossedBy,
            at: c.grossedAt.toISOString(),
          },
        }
      : {}),
    events: [...rows.events]
      .sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.id) - Number(b.id))
      .map((event) => ({
        at: event.at.toISOString(),
        by: event.by,
        what: event.what,
        ...(event.barcode ? { barcode: event.barcode } : {}),
      })),
  };
}

/** The case number a specimen label extends. */
function caseOf(label: string): string {
  return label.split('-')[0];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
