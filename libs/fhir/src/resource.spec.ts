import { parseReference } from './resource';

describe('parseReference', () => {
  it('reads relative, absolute and versioned references', () => {
    expect(parseReference('Patient/abc')).toEqual({ type: 'Patient', id: 'abc' });
    expect(parseReference({ reference: 'http://h/fhir/Task/t-1/_history/2' })).toEqual({
      type: 'Task',
      id: 't-1',
    });
  });

  it('returns undefined for what is not a literal reference', () => {
    expect(parseReference('urn:uuid:1234')).toBeUndefined();
    expect(parseReference({ display: 'x' })).toBeUndefined();
    expect(parseReference(undefined)).toBeUndefined();
  });
});
