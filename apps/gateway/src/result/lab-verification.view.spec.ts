import type { Observation } from 'fhir/r4';
import { previousResults } from './lab-verification.view';

const potassium = (value: number, at: string, orderId: string, flag = 'N'): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
  basedOn: [{ reference: `ServiceRequest/${orderId}` }],
  effectiveDateTime: at,
  valueQuantity: { value, unit: 'mmol/L' },
  interpretation: [{ coding: [{ code: flag }] }],
});

describe('previousResults', () => {
  it("shows the patient's newest three values of the analyte from other orders", () => {
    const history = [
      potassium(4.1, '2025-01-02T08:00:00Z', 'o1'),
      potassium(5.6, '2025-03-02T08:00:00Z', 'o3', 'H'),
      potassium(3.9, '2025-02-02T08:00:00Z', 'o2'),
      potassium(3.8, '2024-12-02T08:00:00Z', 'o0'),
      // The order's own released value (a correction waits) is not a previous one.
      potassium(6.8, '2025-04-02T08:00:00Z', 'this'),
      {
        ...potassium(140, '2025-03-03T08:00:00Z', 'o4'),
        code: { coding: [{ code: '2951-2' }] },
      },
    ];
    expect(previousResults(history, '2823-3', 'this')).toEqual([
      {
        value: 5.6,
        unit: 'mmol/L',
        interpretation: 'H',
        at: '2025-03-02T08:00:00Z',
        orderId: 'o3',
      },
      {
        value: 3.9,
        unit: 'mmol/L',
        interpretation: 'N',
        at: '2025-02-02T08:00:00Z',
        orderId: 'o2',
      },
      {
        value: 4.1,
        unit: 'mmol/L',
        interpretation: 'N',
        at: '2025-01-02T08:00:00Z',
        orderId: 'o1',
      },
    ]);
  });

  it('has nothing to show for a first result', () => {
    expect(previousResults([], '2823-3', 'this')).toEqual([]);
  });
});
