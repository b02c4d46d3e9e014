import { demoAnalytes, demoCatalogue, demoOrganizations } from './demo-consortium';
import { interpret, turnaroundFor } from './catalogue';

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

  it('picks the target by priority', () => {
    const cbc = demoCatalogue[0];
    expect(turnaroundFor(cbc, 'stat')).toBe(30);
    expect(turnaroundFor(cbc, 'asap')).toBe(60);
  });
});
