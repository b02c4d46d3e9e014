import { demoAnalytes, demoCatalogue } from '@hub/consortium';
import { buildLabReport, validateResults } from './lab-report.builder';

const analytes = new Map(demoAnalytes.map((a) => [a.code, a]));
const item = (code: string) => demoCatalogue.find((i) => i.code === code)!;

describe('lab result validation', () => {
  it('accepts the members of a panel with their configured units', () => {
    const results = [
      { code: '718-7', value: 135, unit: 'g/L' },
      { code: '6690-2', value: 6.1 },
      { code: '777-3', value: 210, unit: '10*9/L' },
    ];
    expect(validateResults(results, item('58410-2'), analytes)).toEqual({ ok: true });
  });

  it('names the analyte the order does not report', () => {
    expect(
      validateResults([{ code: '2951-2', value: 140 }], item('2823-3'), analytes),
    ).toMatchObject({
      ok: false,
      status: 422,
      expression: ['results[0].code'],
    });
  });

  it('names a wrong unit and a value that is not a number', () => {
    expect(
      validateResults([{ code: '2823-3', value: 4.2, unit: 'mg/dL' }], item('2823-3'), analytes),
    ).toMatchObject({
      status: 422,
      expression: ['results[0].unit'],
    });
    expect(
      validateResults([{ code: '2823-3', value: Number.NaN }], item('2823-3'), analytes),
    ).toMatchObject({
      status: 400,
      expression: ['results[0].value'],
    });
  });

  it('refuses no results and an analyte given twice', () => {
    expect(validateResults([], item('2823-3'), analytes)).toMatchObject({ status: 400 });
    expect(
      validateResults(
        [
          { code: '2823-3', value: 4 },
          { code: '2823-3', value: 5 },
        ],
        item('2823-3'),
        analytes,
      ),
    ).toMatchObject({
      expression: ['results[1].code'],
    });
  });
});

describe('lab report', () => {
  it('computes the flag from the configured range, whatever the analyser said', () => {
    const report = buildLabReport({
      orderId: 'o1',
      item: item('58410-2'),
      results: [
        { code: '718-7', value: 95 },
        { code: '6690-2', value: 6.1 },
        { code: '777-3', value: 420 },
      ],
      analytes,
      performer: { display: 'LAB' },
      issued: new Date('2026-11-23T01:00:00Z'),
    });
    const flags = report.observations.map((o) => o.resource.interpretation?.[0]?.coding?.[0]?.code);
    expect(flags).toEqual(['L', 'N', 'H']);
    expect(report.observations[0].resource.valueQuantity).toEqual({
      value: 95,
      unit: 'g/L',
      system: 'http://unitsofmeasure.org',
      code: 'g/L',
    });
    expect(report.diagnosticReport.status).toBe('final');
    expect(report.diagnosticReport.result?.map((r) => r.reference)).toEqual(
      report.observations.map((o) => o.fullUrl),
    );
    expect(report.diagnosticReport.subject).toBeUndefined();
  });
});
