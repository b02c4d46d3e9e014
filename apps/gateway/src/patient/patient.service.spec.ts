import { FhirError } from '@hub/fhir';
import { PatientService, validatePatientIdentifiers } from './patient.service';

const residentId = (value: string) => ({ system: 'urn:oid:2.16.156.10011.1.3', value });

describe('validatePatientIdentifiers', () => {
  it('accepts a valid 居民身份证号 and upper-cases its check character', () => {
    expect(
      validatePatientIdentifiers(
        [residentId('11010519491231002x')],
        'CLINIC-A',
        'Patient.identifier',
      ),
    ).toEqual([residentId('11010519491231002X')]);
  });

  it('names the field of an invalid identity number', () => {
    try {
      validatePatientIdentifiers(
        [{ system: 'urn:hub:mrn:CLINIC-A', value: 'M1' }, residentId('110105194912310021')],
        'CLINIC-A',
        'Patient.identifier',
      );
      throw new Error('expected a FhirError');
    } catch (error) {
      expect(error).toBeInstanceOf(FhirError);
      expect((error as FhirError).status).toBe(422);
      expect((error as FhirError).expression).toEqual(['Patient.identifier[1].value']);
    }
  });

  it.each([
    ['a number as system', { system: 0.5, value: '110105194912310029' }],
    ['true as value', { system: 'urn:oid:2.16.156.10011.1.3', value: true }],
    ['an array as value', { system: 'urn:oid:2.16.156.10011.1.3', value: ['x'] }],
    ['null', null],
  ])('refuses an identifier with %s as unprocessable, not a crash (fuzz suite)', (_what, given) => {
    expect(() =>
      validatePatientIdentifiers([given as never], 'CLINIC-A', 'Patient.identifier'),
    ).toThrow(/Patient.identifier\[0\] needs both system and value, as strings/);
  });

  it('refuses an identifier that is not a list, naming the field (fuzz suite)', () => {
    expect(() =>
      validatePatientIdentifiers('urn:uuid:nowhere' as never, 'CLINIC-A', 'Patient.identifier'),
    ).toThrow(/Patient.identifier must be a list of identifiers/);
  });

  it("refuses another member's MRN system", () => {
    expect(() =>
      validatePatientIdentifiers(
        [{ system: 'urn:hub:mrn:CLINIC-B', value: 'M1' }],
        'CLINIC-A',
        'Patient.identifier',
      ),
    ).toThrow(/own organisation/);
  });

  it('requires an identifier that links the patient', () => {
    expect(() =>
      validatePatientIdentifiers(
        [{ system: 'urn:other', value: 'x' }],
        'CLINIC-A',
        'Patient.identifier',
      ),
    ).toThrow(/needs a 居民身份证号/);
  });
});

describe('PatientService.createOrLink', () => {
  it.each([0.5, { family: '张' }, ['1960-05-01']])(
    'refuses a birth date that is not a string (%p) before touching the store (fuzz suite: it was a 500)',
    async (birthDate) => {
      // Refused before any read or write, so neither the store nor the links are needed.
      const service = new PatientService(undefined as never, undefined as never);
      const patient = { resourceType: 'Patient', birthDate } as never;
      await expect(service.createOrLink(undefined as never, patient, 'CLINIC-A')).rejects.toThrow(
        /Patient.birthDate must be a string/,
      );
    },
  );
});
