import { demoCatalogue } from './demo-consortium';
import { demoEqaRecords, demoRecognitionRules } from './demo-recognition';

describe('demo recognition rules', () => {
  const rule = (code: string) => demoRecognitionRules.find((r) => r.code === code);

  it('has one rule per catalogue item, with the DOMAIN windows', () => {
    expect(demoRecognitionRules).toHaveLength(demoCatalogue.length);
    expect(rule('2823-3')).toMatchObject({ recognized: true, validityDays: 7 }); // potassium
    expect(rule('2345-7')).toMatchObject({ recognized: true, validityDays: 30 }); // glucose
    expect(rule('4548-4')).toMatchObject({ recognized: true, validityDays: 60 }); // HbA1c
    expect(rule('11524-6')).toMatchObject({ recognized: true, validityDays: 30 }); // ECG
    // A pathology diagnosis is a conclusion: not recognized.
    expect(rule('PATH-HISTO')?.recognized).toBe(false);
  });

  it('gives every recognized item a passed EQA of its centre, and none to the others', () => {
    const recognized = demoRecognitionRules.filter((r) => r.recognized).map((r) => r.code);
    expect(demoEqaRecords.map((e) => e.code).sort()).toEqual([...recognized].sort());
    expect(demoEqaRecords.every((e) => e.passed)).toBe(true);
    expect(demoEqaRecords.find((e) => e.code === '11524-6')?.centre).toBe('ecg');
  });
});
