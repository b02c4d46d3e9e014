import { dateRange, searchParameters } from './search-parameters';

describe('dateRange', () => {
  it('makes a day cover the whole day', () => {
    expect(dateRange('2026-11-23')).toEqual({
      low: new Date('2026-11-23T00:00:00.000Z'),
      high: new Date('2026-11-23T23:59:59.999Z'),
    });
  });

  it('reads a month, a year and a dateTime with an offset', () => {
    expect(dateRange('2026-02')?.high).toEqual(new Date('2026-02-28T23:59:59.999Z'));
    expect(dateRange('2026')?.low).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(dateRange('2026-11-23T08:30:00+08:00')?.low).toEqual(
      new Date('2026-11-23T00:30:00.000Z'),
    );
  });

  it('refuses what is not a date', () => {
    expect(dateRange('2026-13-01')).toBeUndefined();
    expect(dateRange('yesterday')).toBeUndefined();
  });
});

describe('search parameter extraction', () => {
  const param = (type: string, name: string) =>
    searchParameters[type].find((p) => p.name === name)!;

  it('indexes only the names that are names: null, strings and numbers in name are skipped', () => {
    const patient = {
      resourceType: 'Patient',
      name: [null, 'Patient/', { family: 7, given: ['三', 5] }, { family: '张', given: ['三'] }],
    };
    expect(param('Patient', 'name').extract(patient)).toEqual(['三', '三', '张', '三', '张三']);
    expect(param('Patient', 'name').extract({ resourceType: 'Patient', name: 'x' })).toEqual([]);
  });

  it('indexes ServiceRequest identifiers, codes and patient', () => {
    const request = {
      resourceType: 'ServiceRequest',
      identifier: [{ system: 'urn:hub:placer:CLINIC-A', value: 'P1' }],
      code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      subject: { reference: 'Patient/p1' },
    };
    expect(param('ServiceRequest', 'identifier').extract(request)).toEqual([
      { system: 'urn:hub:placer:CLINIC-A', value: 'P1' },
    ]);
    expect(param('ServiceRequest', 'code').extract(request)).toEqual([
      { system: 'http://loinc.org', value: '2823-3' },
    ]);
    expect(param('ServiceRequest', 'patient').extract(request)).toEqual([
      { type: 'Patient', id: 'p1' },
    ]);
  });

  it('indexes Chinese names whole and by part', () => {
    const names = param('Patient', 'name').extract({ name: [{ family: '张', given: ['三'] }] });
    expect(names).toEqual(expect.arrayContaining(['张', '三', '张三']));
  });
});
