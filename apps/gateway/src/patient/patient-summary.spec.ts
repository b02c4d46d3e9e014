import type { Patient } from 'fhir/r4';
import { patientSummary } from './patient-summary';

const patient = (overrides: Partial<Patient>): Patient => ({
  resourceType: 'Patient',
  identifier: [
    { system: 'urn:hub:mrn:CLINIC-A', value: 'M-0042' },
    { system: 'urn:oid:2.16.156.10011.1.3', value: '11010519491231002X' },
  ],
  name: [{ family: '张', given: ['三'], text: '张三' }],
  gender: 'male',
  birthDate: '1949-12-31',
  ...overrides,
});

describe('patientSummary', () => {
  it('shows the name and the identity number masked (first 6 and last 4)', () => {
    expect(patientSummary('p1', patient({}))).toEqual({
      id: 'p1',
      name: '张三',
      residentId: '110105********002X',
      gender: 'male',
      birthDate: '1949-12-31',
    });
  });

  it('writes a Chinese name family first without a space, a Latin one given first', () => {
    expect(
      patientSummary('p1', patient({ name: [{ family: '欧阳', given: ['娜娜'] }] })).name,
    ).toBe('欧阳娜娜');
    expect(
      patientSummary('p1', patient({ name: [{ family: 'Smith', given: ['Anna', 'May'] }] })).name,
    ).toBe('Anna May Smith');
  });

  it('prefers the official name, and leaves out what the record does not have', () => {
    expect(
      patientSummary(
        'p1',
        patient({
          name: [
            { use: 'nickname', text: '小张' },
            { use: 'official', text: '张三' },
          ],
          identifier: [],
          gender: undefined,
          birthDate: undefined,
        }),
      ),
    ).toEqual({ id: 'p1', name: '张三' });
    expect(patientSummary('p2', undefined)).toEqual({ id: 'p2' });
  });
});
