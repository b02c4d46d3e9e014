import { type AnalyteDefinition, type CriticalLimits, type ReferenceRange } from './catalogue';

/**
 * The demo lab's configuration: specimen types with their transport limits, analytes with
 * reference ranges by sex and age band, critical limits and delta rules, and the autoverification
 * rules. Every number is a default of the demo (see ../shared/DOMAIN.md for where they come from),
 * not a rule: a consortium's lab sets its own.
 */

const DAY = 1;
const YEAR = 365 * DAY;
/** Children in these ranges: 28 days to 14 years (the demo's paediatric band). */
const CHILD = { ageFromDays: 28 * DAY, ageToDays: 14 * YEAR } as const;
const ADULT = { ageFromDays: 14 * YEAR } as const;

/** A specimen type the clinics collect, and how long it may travel before it is unusable. */
export interface SpecimenTypeDefinition {
  code: string;
  display: string;
  displayZh: string;
  /** Longest time from collection to receipt at the lab (运输时限). */
  transportLimitMinutes: number;
}

export const demoSpecimenTypes: SpecimenTypeDefinition[] = [
  {
    code: 'serum',
    display: 'Serum (proteins, enzymes)',
    displayZh: '血清（蛋白、酶类）',
    transportLimitMinutes: 120,
  },
  {
    code: 'serum-k',
    display: 'Serum for potassium',
    displayZh: '血清（血钾）',
    transportLimitMinutes: 30,
  },
  {
    code: 'plasma-glucose',
    display: 'Plasma for glucose',
    displayZh: '血浆（血糖）',
    transportLimitMinutes: 30,
  },
  {
    code: 'whole-blood-edta',
    display: 'Whole blood, EDTA',
    displayZh: 'EDTA抗凝全血',
    transportLimitMinutes: 480,
  },
  {
    code: 'plasma-citrate',
    display: 'Citrated plasma (coagulation)',
    displayZh: '枸橼酸钠抗凝血浆（凝血）',
    transportLimitMinutes: 240,
  },
  { code: 'urine', display: 'Urine', displayZh: '尿液', transportLimitMinutes: 120 },
  {
    code: 'arterial-blood',
    display: 'Arterial blood (blood gas)',
    displayZh: '动脉血（血气）',
    transportLimitMinutes: 15,
  },
];

const analyte = (
  code: string,
  display: string,
  displayZh: string,
  unit: string,
  ranges: ReferenceRange[],
  extra: { critical?: CriticalLimits[]; delta?: AnalyteDefinition['delta'] } = {},
): AnalyteDefinition => ({ code, display, displayZh, unit, ranges, ...extra });

export const demoAnalytes: AnalyteDefinition[] = [
  analyte(
    '2823-3',
    'Potassium',
    '钾',
    'mmol/L',
    [
      { ...CHILD, low: 3.5, high: 5.5 },
      { low: 3.5, high: 5.3 },
    ],
    { critical: [{ low: 2.5, high: 6.0 }], delta: { absolute: 1.0, withinDays: 7 } },
  ),
  analyte('2951-2', 'Sodium', '钠', 'mmol/L', [{ low: 137, high: 147 }], {
    critical: [{ low: 120, high: 160 }],
    delta: { absolute: 10, withinDays: 7 },
  }),
  analyte('2075-0', 'Chloride', '氯', 'mmol/L', [{ low: 99, high: 110 }]),
  analyte('17861-6', 'Calcium', '钙', 'mmol/L', [{ low: 2.11, high: 2.52 }], {
    critical: [{ low: 1.5, high: 3.5 }],
  }),
  analyte('2345-7', 'Glucose', '葡萄糖', 'mmol/L', [{ low: 3.9, high: 6.1 }], {
    // Hypoglycaemia limits differ: women and infants 2.2, men 2.7 mmol/L.
    critical: [
      { ageToDays: 1 * YEAR, low: 2.2, high: 22.2 },
      { sex: 'male', low: 2.7, high: 22.2 },
      { low: 2.2, high: 22.2 },
    ],
  }),
  analyte('4548-4', 'Hemoglobin A1c', '糖化血红蛋白', '%', [{ low: 4.0, high: 6.0 }]),
  analyte(
    '2160-0',
    'Creatinine',
    '肌酐',
    'umol/L',
    [
      { ...CHILD, low: 20, high: 60 },
      { ...ADULT, sex: 'male', low: 57, high: 97 },
      { ...ADULT, sex: 'female', low: 41, high: 73 },
    ],
    { delta: { percent: 50, withinDays: 30 } },
  ),
  analyte('3094-0', 'Urea nitrogen', '尿素氮', 'mmol/L', [{ low: 2.9, high: 8.2 }]),
  analyte('1742-6', 'ALT', '丙氨酸氨基转移酶', 'U/L', [
    { ...ADULT, sex: 'male', low: 9, high: 50 },
    { ...ADULT, sex: 'female', low: 7, high: 40 },
    { ...CHILD, low: 5, high: 40 },
  ]),
  analyte('1920-8', 'AST', '天门冬氨酸氨基转移酶', 'U/L', [
    { ...ADULT, sex: 'male', low: 15, high: 40 },
    { ...ADULT, sex: 'female', low: 13, high: 35 },
    { ...CHILD, low: 10, high: 50 },
  ]),
  analyte('2093-3', 'Cholesterol', '总胆固醇', 'mmol/L', [{ high: 5.2 }]),
  analyte(
    '718-7',
    'Hemoglobin',
    '血红蛋白',
    'g/L',
    [
      { ...CHILD, low: 110, high: 150 },
      { ...ADULT, sex: 'male', low: 130, high: 175 },
      { ...ADULT, sex: 'female', low: 115, high: 150 },
    ],
    { critical: [{ low: 50, high: 200 }], delta: { absolute: 20, withinDays: 7 } },
  ),
  analyte(
    '6690-2',
    'Leukocytes',
    '白细胞计数',
    '10*9/L',
    [
      { ...CHILD, low: 5.0, high: 12.0 },
      { low: 3.5, high: 9.5 },
    ],
    { critical: [{ low: 2.5, high: 40 }] },
  ),
  analyte('777-3', 'Platelets', '血小板计数', '10*9/L', [{ low: 125, high: 350 }], {
    critical: [{ low: 50, high: 1000 }],
    delta: { percent: 50, withinDays: 7 },
  }),
];

/**
 * Autoverification (自动审核, in the manner of CLSI AUTO10): results from these analysers for these
 * analytes are released by the rule when every value is within its reference range and carries no
 * delta or critical flag. Everything else waits for a lab physician.
 */
export interface AutoverificationRule {
  /** The analyser as the hub knows it: its API client id, or `hl7:<facility>` for an HL7 feed. */
  analyser: string;
  /** LOINC codes the rule covers, or `*` for every analyte. */
  analytes: string[] | '*';
}

export const demoAutoverificationRules: AutoverificationRule[] = [
  { analyser: 'lab-analyser', analytes: '*' },
  { analyser: 'hl7:LAB', analytes: '*' },
];
