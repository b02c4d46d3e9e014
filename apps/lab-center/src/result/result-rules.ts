import {
  type ResultFlags,
  type ResultPatientContext,
  type ResultSubmitReply,
} from '@hub/contracts';
import {
  type AnalyteDefinition,
  type AutoverificationRule,
  type CatalogueItem,
  type CriticalLimits,
  type DeltaRule,
  type ReferenceRange,
  type Sex,
  applicable,
  interpret,
} from '@hub/consortium';

/** Why results were refused: the status the gateway answers with and the field at fault. */
export type ResultRejection = Extract<ResultSubmitReply, { ok: false }>;

/** A submitted result that passed the checks, with the analyte it measures. */
export interface CheckedResult {
  analyte: AnalyteDefinition;
  value: number;
  effectiveDateTime?: string;
}

/** What the rules know of the patient when the specimen was taken. */
export interface PatientFacts {
  sex?: Sex;
  ageDays?: number;
}

/** The patient's previous released value of an analyte, for the delta check. */
export interface PreviousValue {
  value: number;
  at: Date;
}

/** A checked result with what the hub concluded about it. */
export interface FlaggedResult extends CheckedResult {
  interpretation: ResultFlags['interpretation'];
  /** The reference range used; undefined when none applies to this patient. */
  range?: ReferenceRange;
  critical?: CriticalLimits;
  /** The previous value when the delta check failed. */
  delta?: PreviousValue;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * Checks submitted results against the ordered item: at least one; each code an analyte the item
 * reports (a panel's members, or the item itself), given once; each value a finite number; each
 * unit, when given, the analyte's configured UCUM unit; each time, when given, an ISO date-time.
 * The first problem is answered, naming its field (`results[1].unit`).
 */
export function validateResults(
  results: unknown,
  item: CatalogueItem,
  analytes: ReadonlyMap<string, AnalyteDefinition>,
): { ok: true; results: CheckedResult[] } | ResultRejection {
  if (!Array.isArray(results) || results.length === 0)
    return reject(400, 'results must list at least one result', 'results');
  const expected = item.members ?? [item.code];
  const checked: CheckedResult[] = [];
  for (const [i, entry] of (results as unknown[]).entries()) {
    const field = `results[${i}]`;
    if (typeof entry !== 'object' || entry === null)
      return reject(400, `${field} must be an object with code and value`, field);
    const { code, value, unit, effectiveDateTime } = entry as Record<string, unknown>;
    if (typeof code !== 'string' || code === '')
      return reject(
        400,
        `${field}.code is required: the LOINC code of the analyte`,
        `${field}.code`,
      );
    const analyte = analytes.get(code);
    if (!expected.includes(code) || !analyte) {
      return reject(
        422,
        `${field}.code ${code} is not reported by ${item.code} (${item.display}); expected one of ${expected.join(', ')}`,
        `${field}.code`,
      );
    }
    if (checked.some((result) => result.analyte.code === code))
      return reject(422, `${field}.code ${code} is given twice`, `${field}.code`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      return reject(400, `${field}.value must be a finite number`, `${field}.value`);
    if (unit !== undefined && unit !== analyte.unit) {
      return reject(
        422,
        `${field}.unit ${JSON.stringify(unit)} is not the unit configured for ${code}: ${analyte.unit} (UCUM)`,
        `${field}.unit`,
      );
    }
    if (
      effectiveDateTime !== undefined &&
      (typeof effectiveDateTime !== 'string' ||
        !DATE_TIME.test(effectiveDateTime) ||
        Number.isNaN(Date.parse(effectiveDateTime)))
    ) {
      return reject(
        400,
        `${field}.effectiveDateTime must be an ISO date-time with a time zone`,
        `${field}.effectiveDateTime`,
      );
    }
    checked.push({ analyte, value, effectiveDateTime });
  }
  return { ok: true, results: checked };
}

/** Sex and age in days at `at` from the patient's administrative gender and birth date. */
export function patientFacts(patient: ResultPatientContext | undefined, at: Date): PatientFacts {
  const sex =
    patient?.gender === 'male' || patient?.gender === 'female' ? patient.gender : undefined;
  const birth = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(patient?.birthDate ?? '');
  if (!birth) return { sex };
  // A partial birth date counts from its first day.
  const born = Date.UTC(Number(birth[1]), Number(birth[2] ?? 1) - 1, Number(birth[3] ?? 1));
  const ageDays = Math.floor((at.getTime() - born) / DAY_MS);
  return { sex, ageDays: ageDays >= 0 ? ageDays : undefined };
}

/**
 * The hub's interpretation of a value (never the analyser's): LL or HH beyond the critical limits
 * that apply to the patient, else L, H or N against the reference range that applies. With no
 * applicable range the value is N but `range` is undefined (and autoverification will not pass it).
 */
export function interpretValue(
  analyte: AnalyteDefinition,
  value: number,
  facts: PatientFacts,
): Pick<FlaggedResult, 'interpretation' | 'range' | 'critical'> {
  const range = applicable(analyte.ranges, facts.sex, facts.ageDays);
  const critical = applicable(analyte.critical, facts.sex, facts.ageDays);
  if (critical?.low !== undefined && value < critical.low)
    return { interpretation: 'LL', range, critical };
  if (critical?.high !== undefined && value > critical.high)
    return { interpretation: 'HH', range, critical };
  return { interpretation: interpret(value, range?.low, range?.high), range, critical };
}

/**
 * Delta check: true when the change from the previous value (taken within the rule's window before
 * `at`) is larger than the rule allows, absolutely or as a percentage of the previous value.
 */
export function deltaExceeded(
  rule: DeltaRule | undefined,
  value: number,
  previous: PreviousValue | undefined,
  at: Date,
): boolean {
  if (!rule || !previous) return false;
  if (at.getTime() - previous.at.getTime() > rule.withinDays * DAY_MS) return false;
  const change = Math.abs(value - previous.value);
  if (rule.absolute !== undefined && change > rule.absolute) return true;
  if (rule.percent !== undefined && previous.value !== 0)
    return (change / Math.abs(previous.value)) * 100 > rule.percent;
  return false;
}

/**
 * Autoverification (CLSI AUTO10 style): a rule for this analyser covers every analyte, and every
 * value is within an applicable reference range with no delta or critical flag.
 */
export function autoverifiable(
  source: { kind: 'analyser' | 'person'; id: string },
  results: FlaggedResult[],
  rules: readonly AutoverificationRule[],
): boolean {
  if (source.kind !== 'analyser') return false;
  const rule = rules.find((r) => r.analyser === source.id);
  if (!rule) return false;
  return results.every(
    (result) =>
      (rule.analytes === '*' || rule.analytes.includes(result.analyte.code)) &&
      result.range !== undefined &&
      result.interpretation === 'N' &&
      result.delta === undefined,
  );
}

/** A refusal naming the field at fault; nothing was stored. */
export function reject(
  status: ResultRejection['status'],
  diagnostics: string,
  field?: string,
): ResultRejection {
  return { ok: false, status, diagnostics, ...(field ? { expression: [field] } : {}) };
}
