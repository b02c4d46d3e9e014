import { ecgStatement, ecgStatements, statementLine } from './statements';

describe('ECG statement catalogue', () => {
  it('has one entry per code, each in Chinese and English', () => {
    const codes = ecgStatements.map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const statement of ecgStatements) {
      expect(statement.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(statement.en).toMatch(/^[A-Z]/);
    }
    expect(ecgStatements.map((s) => s.zh)).toEqual(
      expect.arrayContaining(['窦性心律', '窦性心动过速', '心房颤动', 'ST段抬高']),
    );
  });

  it('marks the findings that are critical by themselves, and only those', () => {
    const critical = ecgStatements.filter((s) => s.critical).map((s) => s.code);
    expect(critical.sort()).toEqual(['ASYS', 'AVB3', 'STEMI', 'TDP', 'VF', 'VT']);
  });

  it('finds a statement by code and prints it in both languages', () => {
    const sinus = ecgStatement('SR');
    expect(sinus && statementLine(sinus)).toBe('窦性心律 Sinus rhythm');
    expect(ecgStatement('nope')).toBeUndefined();
  });
});
