import {
  checkResidentId,
  residentIdDisagreements,
  residentIdFacts,
  maskResidentId,
  maskResidentIdsInText,
  residentIdCheckChar,
} from './resident-id';

describe('居民身份证号 (GB 11643)', () => {
  it('accepts the standard example with an X check character', () => {
    expect(checkResidentId('11010519491231002X')).toEqual({ valid: true });
    expect(checkResidentId('11010519491231002x').valid).toBe(true);
  });

  it('computes the ISO 7064 MOD 11-2 check character', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
  });

  it('rejects a wrong check character and says why', () => {
    const result = checkResidentId('110105194912310021');
    expect(result.valid).toBe(false);
    expect(result.problem).toBe('check-digit');
  });

  it('rejects a wrong length or letters', () => {
    expect(checkResidentId('1101051949123100').problem).toBe('format');
    expect(checkResidentId('11010519491231002A').problem).toBe('format');
  });

  it('rejects an impossible birth date even with a matching check character', () => {
    const body = '11010519490231002'; // 31 February
    expect(checkResidentId(body + residentIdCheckChar(body)).problem).toBe('birth-date');
  });

  it('masks all but the first 6 and last 4 characters', () => {
    expect(maskResidentId('11010519491231002X')).toBe('110105********002X');
  });

  it('masks identity numbers inside free text and leaves other numbers alone', () => {
    expect(maskResidentIdsInText('patient 11010519491231002X, order 12345')).toBe(
      'patient 110105********002X, order 12345',
    );
  });

  it('refuses an area code that names no province', () => {
    const body = '99010519491231002';
    expect(checkResidentId(body + residentIdCheckChar(body)).problem).toBe('area-code');
    const zeros = '11000019491231002';
    expect(checkResidentId(zeros + residentIdCheckChar(zeros)).problem).toBe('area-code');
  });

  it('reads the birth date and sex, and names what a registration contradicts', () => {
    // 11010519491231002X: born 1949-12-31, sequence digit 17 = 2 (even): a woman.
    expect(residentIdFacts('11010519491231002X')).toEqual({
      birthDate: '1949-12-31',
      sex: 'female',
    });
    expect(
      residentIdDisagreements('11010519491231002X', { birthDate: '1949-12-31', gender: 'female' }),
    ).toEqual([]);
    expect(residentIdDisagreements('11010519491231002X', {})).toEqual([]);
    expect(residentIdDisagreements('11010519491231002X', { gender: 'unknown' })).toEqual([]);
    const problems = residentIdDisagreements('11010519491231002X', {
      birthDate: '1950-01-01',
      gender: 'male',
    });
    expect(problems.map((p) => p.field)).toEqual(['birthDate', 'gender']);
    expect(problems.map((p) => p.reason).join()).not.toContain('11010519491231002X');
  });
});
