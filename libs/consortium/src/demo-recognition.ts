import { type CatalogueItem } from './catalogue';
import { demoCatalogue } from './demo-consortium';

/**
 * Whether a catalogue item's results are mutually recognized (检查检验结果互认) and for how long,
 * counted from when the result was observed. Windows are set per item by the province; these are
 * the DOMAIN.md examples (Hubei 2023): electrolytes 7 days, most chemistry 30, HbA1c 60. Imaging and
 * ECG are configurable (30 days here); a pathology diagnosis is a conclusion, which is not what is
 * recognized.
 */
export interface RecognitionRule {
  system: string;
  code: string;
  recognized: boolean;
  validityDays: number;
}

/** LOINC codes of the 7-day electrolytes and the 60-day HbA1c; the other lab items: 30 days. */
const SEVEN_DAYS = ['2823-3', '2951-2', '2075-0', '17861-6', '58410-2'];
const SIXTY_DAYS = ['4548-4'];

function ruleFor(item: CatalogueItem): RecognitionRule {
  const base = { system: item.system, code: item.code };
  if (item.centre === 'pathology') return { ...base, recognized: false, validityDays: 30 };
  if (SEVEN_DAYS.includes(item.code)) return { ...base, recognized: true, validityDays: 7 };
  if (SIXTY_DAYS.includes(item.code)) return { ...base, recognized: true, validityDays: 60 };
  return { ...base, recognized: true, validityDays: 30 };
}

export const demoRecognitionRules: RecognitionRule[] = demoCatalogue.map(ruleFor);

/**
 * The demo consortium's external quality assessment (室间质评) results: each centre passed for its
 * recognized items from the start of 2026. A failed EQA is recorded as another entry from its date.
 */
export const demoEqaRecords = demoRecognitionRules
  .filter((rule) => rule.recognized)
  .map((rule) => ({
    centre: demoCatalogue.find((item) => item.code === rule.code)?.centre ?? 'lab',
    system: rule.system,
    code: rule.code,
    passed: true,
    effectiveFrom: '2026-01-01',
    scheme: '省临床检验中心室间质评 Provincial EQA 2026',
  }));
