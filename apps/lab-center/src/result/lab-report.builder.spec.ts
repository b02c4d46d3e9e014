import { demoAnalytes, demoCatalogue } from '@hub/consortium';
import { buildLabReport, criticalFindings, releaseContent } from './lab-report.builder';
import { type FlaggedResult, interpretValue, patientFacts } from './result-rules';

const analytes = new Map(demoAnalytes.map((analyte) => [analyte.code, analyte]));
const cbc = demoCatalogue.find((entry) => entry.code === '58410-2');
const woman = patientFacts({ id: 'p', gender: 'female', birthDate: '1970-01-01' }, new Date());

/** Results as the service flags them, for a woman. */
function flagged(values: Array<[string, number, string?]>): FlaggedResult[] {
  return values.map(([code, value, effectiveDateTime]) => {
    const analyte = analytes.get(code);
    if (!analyte) throw new Error(`no analyte ${code}`);
    return { analyte, value, effectiveDateTime, ...interpretValue(analyte, value, woman) };
  });
}

describe('lab report versions', () => {
  if (!cbc) throw new Error('no CBC in the demo catalogue');
  const entered = new Date('2026-11-23T01:00:00Z');
  const build = () =>
    buildLabReport({
      orderId: 'o-1',
      item: cbc,
      results: flagged([
        ['718-7', 45],
        ['6690-2', 6.1, '2026-11-23T08:10:00+08:00'],
        ['777-3', 420],
      ]),
      performer: { display: 'LAB' },
      entered,
    });

  it('makes preliminary laboratory Observations with the hub flags, LOINC and UCUM', () => {
    const { observations } = build();
    expect(observations.map((o) => o.resource.interpretation?.[0]?.coding?.[0]?.code)).toEqual([
      'LL',
      'N',
      'H',
    ]);
    expect(observations[0].fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(observations[0].resource).toMatchObject({
      status: 'preliminary',
      category: [{ coding: [{ code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
      valueQuantity: { value: 45, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
      // The woman's range, not the man's.
      referenceRange: [{ low: { value: 115 }, high: { value: 150 } }],
      basedOn: [{ reference: 'ServiceRequest/o-1' }],
      effectiveDateTime: entered.toISOString(),
      interpretation: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
              code: 'LL',
            },
          ],
        },
      ],
    });
    expect(observations[0].resource.subject).toBeUndefined();
  });

  it('makes a DiagnosticReport for the ordered item naming its Observations', () => {
    const report = build();
    expect(report.diagnosticReport).toMatchObject({
      status: 'preliminary',
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
      effectiveDateTime: '2026-11-23T08:10:00+08:00',
    });
    expect(report.diagnosticReport.result?.map((r) => r.reference)).toEqual(
      report.observations.map((o) => o.fullUrl),
    );
  });

  it('dates every result by the specimen’s collection when the clinic recorded it', () => {
    if (!cbc) throw new Error('no CBC in the demo catalogue');
    const collectedAt = new Date('2026-11-22T23:30:00Z');
    const report = buildLabReport({
      orderId: 'o-1',
      item: cbc,
      results: flagged([
        ['718-7', 120],
        ['6690-2', 6.1, '2026-11-23T08:10:00+08:00'],
      ]),
      performer: { display: 'LAB' },
      entered,
      collectedAt,
    });
    expect(report.observations.map((o) => o.resource.effectiveDateTime)).toEqual([
      collectedAt.toISOString(),
      collectedAt.toISOString(),
    ]);
    expect(report.diagnosticReport.effectiveDateTime).toBe(collectedAt.toISOString());
  });

  it('releases final with who verified it, and lists the critical findings', () => {
    const issued = new Date('2026-11-23T02:00:00Z');
    const released = releaseContent(build(), {
      status: 'final',
      issued,
      verifier: 'labdoc',
      verification: 'person',
    });
    expect(released.diagnosticReport).toMatchObject({
      status: 'final',
      issued: issued.toISOString(),
      resultsInterpreter: [{ display: 'labdoc (审核 verified)' }],
    });
    expect(released.observations.every((o) => o.resource.status === 'final')).toBe(true);
    expect(criticalFindings(released)).toEqual([
      {
        observationFullUrl: released.observations[0].fullUrl,
        code: '718-7',
        display: 'Hemoglobin',
        displayZh: '血红蛋白',
        value: 45,
        unit: 'g/L',
        flag: 'LL',
      },
    ]);
  });

  it("keeps each analyte's Observation when amended, and says why", () => {
    const first = build();
    const urls = new Map(
      first.observations.map((o) => [o.resource.code.coding?.[0]?.code ?? '', o.fullUrl]),
    );
    const second = buildLabReport({
      orderId: 'o-1',
      item: cbc,
      results: flagged([
        ['718-7', 120],
        ['6690-2', 6.1],
        ['777-3', 420],
      ]),
      performer: { display: 'LAB' },
      entered,
      previousUrls: urls,
    });
    expect(second.observations.map((o) => o.fullUrl)).toEqual(
      first.observations.map((o) => o.fullUrl),
    );
    const amended = releaseContent(second, {
      status: 'amended',
      issued: new Date(),
      verifier: 'labdoc',
      verification: 'person',
      correctionReason: 'sample mix-up',
    });
    expect(amended.diagnosticReport).toMatchObject({
      status: 'amended',
      conclusion: '更正报告 Amended: sample mix-up',
    });
    expect(criticalFindings(amended)).toEqual([]);
  });
});
