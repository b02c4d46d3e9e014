import { demoAnalytes, demoCatalogue } from '@hub/consortium';
import { buildLabReport, validateResults } from './result.service';

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

describe('lab report', () => {
  const issued = new Date('2026-11-23T01:00:00Z');
  const build = () =>
    buildLabReport({
      orderId: 'o-1',
      item: cbc,
      results: checked([
        { code: '718-7', value: 95 },
        { code: '6690-2', value: 6.1, effectiveDateTime: '2026-11-23T08:10:00+08:00' },
        { code: '777-3', value: 420 },
      ]),
      performer: { display: 'LAB' },
      issued,
    });

  it('flags each value from the lab reference range', () => {
    const report = build();
    const flags = report.observations.map((o) => o.resource.interpretation?.[0]?.coding?.[0]);
    expect(flags.map((flag) => flag?.code)).toEqual(['L', 'N', 'H']);
    expect(flags[0]?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
    );
  });

  it('makes final laboratory Observations with LOINC codes and UCUM quantities', () => {
    const [hemoglobin] = build().observations;
    expect(hemoglobin.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(hemoglobin.resource).toMatchObject({
      status: 'final',
      category: [{ coding: [{ code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
      valueQuantity: { value: 95, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
      referenceRange: [{ low: { value: 115 }, high: { value: 175 } }],
      basedOn: [{ reference: 'ServiceRequest/o-1' }],
      effectiveDateTime: issued.toISOString(),
      issued: issued.toISOString(),
      performer: [{ display: 'LAB' }],
    });
    expect(hemoglobin.resource.subject).toBeUndefined();
  });

  it('makes a final DiagnosticReport for the ordered item naming its Observations', () => {
    const report = build();
    expect(report.reportId).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.diagnosticReport).toMatchObject({
      status: 'final',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
      basedOn: [{ reference: 'ServiceRequest/o-1' }],
      effectiveDateTime: '2026-11-23T08:10:00+08:00',
      issued: issued.toISOString(),
    });
    expect(report.diagnosticReport.result?.map((r) => r.reference)).toEqual(
      report.observations.map((o) => o.fullUrl),
    );
    expect(report.diagnosticReport.subject).toBeUndefined();
  });

  it('gives a range with one limit only that limit', () => {
    const [cholesterol] = buildLabReport({
      orderId: 'o-2',
      item: item('2093-3'),
      results: checked([{ code: '2093-3', value: 6.4 }], item('2093-3')),
      performer: { display: 'LAB' },
      issued,
    }).observations;
    expect(cholesterol.resource.referenceRange).toEqual([
      { high: { value: 5.2, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } },
    ]);
    expect(cholesterol.resource.interpretation?.[0]?.coding?.[0]?.code).toBe('H');
  });
});
