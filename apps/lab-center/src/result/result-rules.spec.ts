import { demoAnalytes, demoCatalogue } from '@hub/consortium';
import {
  type FlaggedResult,
  autoverifiable,
  deltaExceeded,
  interpretValue,
  patientFacts,
  validateResults,
} from './result-rules';

const analytes = new Map(demoAnalytes.map((analyte) => [analyte.code, analyte]));
const item = (code: string) => {
  const found = demoCatalogue.find((entry) => entry.code === code);
  if (!found) throw new Error(`no catalogue item ${code}`);
  return found;
};
const cbc = item('58410-2');
const potassium = item('2823-3');

/** Checks results that must pass and returns what the report is built from. */
const checked = (results: unknown, ordered = cbc) => {
  const outcome = validateResults(results, ordered, analytes);
  if (!outcome.ok) throw new Error(outcome.diagnostics);
  return outcome.results;
};

describe('lab result checks', () => {
  it('accept the members of a panel, with or without their configured units', () => {
    const results = checked([
      { code: '718-7', value: 135, unit: 'g/L' },
      { code: '6690-2', value: 6.1 },
      { code: '777-3', value: 210, unit: '10*9/L', effectiveDateTime: '2026-11-23T08:30:00+08:00' },
    ]);
    expect(results.map((r) => [r.analyte.code, r.value])).toEqual([
      ['718-7', 135],
      ['6690-2', 6.1],
      ['777-3', 210],
    ]);
  });

  it('name an analyte the ordered item does not report', () => {
    expect(validateResults([{ code: '2951-2', value: 140 }], potassium, analytes)).toMatchObject({
      ok: false,
      status: 422,
      expression: ['results[0].code'],
    });
  });

  it('name a unit other than the configured one', () => {
    const outcome = validateResults(
      [{ code: '2823-3', value: 4.2, unit: 'mg/dL' }],
      potassium,
      analytes,
    );
    expect(outcome).toMatchObject({
      status: 422,
      diagnostics: expect.stringContaining('mmol/L') as unknown,
      expression: ['results[0].unit'],
    });
  });

  it('name a value that is not a finite number', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, '4.2', null]) {
      expect(validateResults([{ code: '2823-3', value }], potassium, analytes)).toMatchObject({
        status: 400,
        expression: ['results[0].value'],
      });
    }
  });

  it('refuse no results, a malformed entry, an analyte given twice and a bad time', () => {
    expect(validateResults([], potassium, analytes)).toMatchObject({
      status: 400,
      expression: ['results'],
    });
    expect(validateResults(undefined, potassium, analytes)).toMatchObject({ status: 400 });
    expect(validateResults([{ code: '718-7', value: 1 }, 'x'], cbc, analytes)).toMatchObject({
      status: 400,
      expression: ['results[1]'],
    });
    expect(
      validateResults(
        [
          { code: '2823-3', value: 4 },
          { code: '2823-3', value: 5 },
        ],
        potassium,
        analytes,
      ),
    ).toMatchObject({ status: 422, expression: ['results[1].code'] });
    expect(
      validateResults(
        [{ code: '2823-3', value: 4, effectiveDateTime: '23/11/2026' }],
        potassium,
        analytes,
      ),
    ).toMatchObject({ status: 400, expression: ['results[0].effectiveDateTime'] });
  });
});

const analyte = (code: string) => {
  const found = analytes.get(code);
  if (!found) throw new Error(`no analyte ${code}`);
  return found;
};
const adultMan = patientFacts({ id: 'p', gender: 'male', birthDate: '1960-05-01' }, new Date());
const adultWoman = patientFacts({ id: 'p', gender: 'female', birthDate: '1970-05-01' }, new Date());
const child = patientFacts(
  { id: 'p', gender: 'male', birthDate: '2020-03-15' },
  new Date('2026-11-23T00:00:00Z'),
);

describe('flags computed by the hub', () => {
  it('works out sex and age in days from the birth date', () => {
    expect(child).toEqual({ sex: 'male', ageDays: 2444 });
    expect(patientFacts({ id: 'p', gender: 'unknown' }, new Date())).toEqual({ sex: undefined });
  });

  it("uses the reference range of the patient's sex", () => {
    const hb = analyte('718-7');
    // 120 g/L is low for a man (130-175) and normal for a woman (115-150).
    expect(interpretValue(hb, 120, adultMan)).toMatchObject({
      interpretation: 'L',
      range: { low: 130, high: 175 },
    });
    expect(interpretValue(hb, 120, adultWoman)).toMatchObject({
      interpretation: 'N',
      range: { low: 115, high: 150 },
    });
    const creatinine = analyte('2160-0');
    expect(interpretValue(creatinine, 90, adultMan).interpretation).toBe('N');
    expect(interpretValue(creatinine, 90, adultWoman).interpretation).toBe('H');
  });

  it('uses the paediatric range for a child', () => {
    // WBC 11 ×10⁹/L: high for an adult (3.5-9.5), normal for a six-year-old (5-12).
    const wbc = analyte('6690-2');
    expect(interpretValue(wbc, 11, adultMan).interpretation).toBe('H');
    expect(interpretValue(wbc, 11, child)).toMatchObject({
      interpretation: 'N',
      range: { low: 5, high: 12 },
    });
  });

  it('flags LL and HH beyond the critical limits, by sex where they differ', () => {
    const k = analyte('2823-3');
    expect(interpretValue(k, 6.8, adultWoman).interpretation).toBe('HH');
    expect(interpretValue(k, 2.3, adultMan).interpretation).toBe('LL');
    expect(interpretValue(k, 5.8, adultMan).interpretation).toBe('H');
    // Glucose 2.5 mmol/L: critical for a man (< 2.7), only low for a woman (< 2.2 is critical).
    const glucose = analyte('2345-7');
    expect(interpretValue(glucose, 2.5, adultMan).interpretation).toBe('LL');
    expect(interpretValue(glucose, 2.5, adultWoman).interpretation).toBe('L');
  });

  it('gives no range when none applies (unknown sex for a sex-specific range)', () => {
    const unknown = patientFacts({ id: 'p' }, new Date());
    expect(interpretValue(analyte('718-7'), 140, unknown)).toEqual({
      interpretation: 'N',
      range: undefined,
      critical: { low: 50, high: 200 },
    });
  });

  it('fails the delta check on an implausible jump within the window only', () => {
    const rule = analyte('2823-3').delta;
    const now = new Date('2026-11-23T10:00:00Z');
    const yesterday = new Date('2026-11-22T10:00:00Z');
    expect(deltaExceeded(rule, 5.6, { value: 4.2, at: yesterday }, now)).toBe(true);
    expect(deltaExceeded(rule, 4.9, { value: 4.2, at: yesterday }, now)).toBe(false);
    const lastMonth = new Date('2026-10-20T10:00:00Z');
    expect(deltaExceeded(rule, 5.6, { value: 4.2, at: lastMonth }, now)).toBe(false);
    const platelets = analyte('777-3').delta;
    expect(deltaExceeded(platelets, 100, { value: 250, at: yesterday }, now)).toBe(true);
    expect(deltaExceeded(undefined, 100, { value: 250, at: yesterday }, now)).toBe(false);
  });
});

describe('autoverification', () => {
  const rules = [{ analyser: 'lab-analyser', analytes: ['2823-3'] }];
  const result = (over: Partial<FlaggedResult> = {}): FlaggedResult => ({
    analyte: analyte('2823-3'),
    value: 4.2,
    interpretation: 'N',
    range: { low: 3.5, high: 5.3 },
    ...over,
  });
  const analyser = { kind: 'analyser' as const, id: 'lab-analyser' };

  it('releases normal results from a known analyser for a covered analyte', () => {
    expect(autoverifiable(analyser, [result()], rules)).toBe(true);
  });

  it('holds results from a person, an unknown analyser or an analyte the rule does not cover', () => {
    expect(autoverifiable({ kind: 'person', id: 'labtech' }, [result()], rules)).toBe(false);
    expect(autoverifiable({ kind: 'analyser', id: 'other' }, [result()], rules)).toBe(false);
    expect(autoverifiable(analyser, [result({ analyte: analyte('2951-2') })], rules)).toBe(false);
  });

  it('holds abnormal, critical, delta-flagged or unranged results', () => {
    expect(autoverifiable(analyser, [result({ interpretation: 'H' })], rules)).toBe(false);
    expect(autoverifiable(analyser, [result({ interpretation: 'HH' })], rules)).toBe(false);
    const previous = { value: 3.0, at: new Date() };
    expect(autoverifiable(analyser, [result({ delta: previous })], rules)).toBe(false);
    expect(autoverifiable(analyser, [result({ range: undefined })], rules)).toBe(false);
  });
});
