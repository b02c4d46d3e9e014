import { demoCatalogue, demoOrganizations } from './demo-consortium';
import { demoAnalytes, demoSpecimenTypes } from './demo-lab';
import { applicable, interpret, turnaroundFor } from './catalogue';

describe('demo consortium', () => {
  it('routes every catalogue item to one of the four centres', () => {
    const centres = new Set(demoCatalogue.map((item) => item.centre));
    expect([...centres].sort()).toEqual(['ecg', 'imaging', 'lab', 'pathology']);
    expect(demoCatalogue.filter((item) => item.centre === 'lab').length).toBeGreaterThanOrEqual(10);
  });

  it('has a reference range for every analyte a lab item reports', () => {
    const analytes = new Set(demoAnalytes.map((a) => a.code));
    for (const item of demoCatalogue.filter((i) => i.centre === 'lab')) {
      for (const code of item.members ?? [item.code]) expect(analytes).toContain(code);
    }
  });

  it('names a configured specimen type for every lab item', () => {
    const types = new Set(demoSpecimenTypes.map((t) => t.code));
    for (const item of demoCatalogue.filter((i) => i.centre === 'lab'))
      expect(types).toContain(item.specimenType);
  });

  it('has the organisations the HL7 facility names refer to', () => {
    const codes = demoOrganizations.map((o) => o.code);
    expect(codes).toEqual(
      expect.arrayContaining(['CLINIC-A', 'CLINIC-B', 'LAB', 'IMAGING', 'ECG', 'PATHOLOGY', 'HUB']),
    );
  });
});

describe('interpret and turnaroundFor', () => {
  it('flags values outside the range', () => {
    expect(interpret(6.1, 3.5, 5.3)).toBe('H');
    expect(interpret(3.4, 3.5, 5.3)).toBe('L');
    expect(interpret(5.3, 3.5, 5.3)).toBe('N');
  });

  it('picks the first range that applies to the sex and age', () => {
    const hb = demoAnalytes.find((a) => a.code === '718-7');
    const years = (n: number) => n * 365;
    expect(applicable(hb?.ranges, 'male', years(40))).toMatchObject({ low: 130, high: 175 });
    expect(applicable(hb?.ranges, 'female', years(40))).toMatchObject({ low: 115, high: 150 });
    expect(applicable(hb?.ranges, 'male', years(6))).toMatchObject({ low: 110, high: 150 });
    // Unknown sex: no sex-specific adult range applies.
    expect(applicable(hb?.ranges, undefined, years(40))).toBeUndefined();
  });

  it('picks the target by priority', () => {
    const cbc = demoCatalogue[0];
    expect(turnaroundFor(cbc, 'stat')).toBe(30);
    expect(turnaroundFor(cbc, 'asap')).toBe(60);
  });
});
