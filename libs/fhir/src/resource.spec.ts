import { hasIdentifierType, parseReference } from './resource';

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

describe('hasIdentifierType', () => {
  it('finds the v2-0203 type code', () => {
    const placer = { type: { coding: [{ code: 'PLAC' }] }, value: 'P1' };
    expect(hasIdentifierType(placer, 'PLAC')).toBe(true);
    expect(hasIdentifierType(placer, 'FILL')).toBe(false);
  });

  it('answers false, not a crash, for a type of the wrong shape (fuzz suite)', () => {
    for (const type of [{ coding: 'PLAC' }, { coding: [null, 7] }, 'PLAC', null])
      expect(hasIdentifierType({ type } as never, 'PLAC')).toBe(false);
  });
});
