import { checkReadBack } from './read-back';

const potassium = { value: 6.8, unit: 'mmol/L' };

describe('read-back (回读) check', () => {
  it.each(['钾 6.8', '6.80 mmol/L', 'K+ 6.8mmol/L，已通知医生', '钾６．８', '6.8'])(
    'accepts "%s" for potassium 6.8',
    (readBack) => {
      expect(checkReadBack(potassium, readBack)).toEqual({ ok: true });
    },
  );

  it('refuses another value and says which value it heard and which was expected', () => {
    expect(checkReadBack(potassium, '钾 6.3')).toEqual({
      ok: false,
      reason: 'the read-back value 6.3 does not match the critical value 6.8 mmol/L',
      reasonZh: '回读数值 6.3 与危急值 6.8 mmol/L 不符',
    });
  });

  it('does not find 6.8 inside 16.8 or 6.85', () => {
    expect(checkReadBack(potassium, '16.8').ok).toBe(false);
    expect(checkReadBack(potassium, '6.85').ok).toBe(false);
  });

  it('refuses a read-back without any number', () => {
    const result = checkReadBack(potassium, '收到，高钾');
    expect(result).toMatchObject({
      ok: false,
      reason: 'the read-back contains no number: read back the critical value 6.8 mmol/L',
    });
  });

  it('reads thousands separators as one number (platelets 1200)', () => {
    expect(checkReadBack({ value: 1200, unit: '10*9/L' }, 'PLT 1,200').ok).toBe(true);
  });

  it('refuses an empty read-back', () => {
    expect(checkReadBack(potassium, '   ')).toEqual({
      ok: false,
      reason: 'the read-back is empty: the receiver must read the critical value back',
      reasonZh: '回读内容为空：接收人须回读危急值',
    });
  });

  it('accepts any read-back of two characters or more for a finding in words', () => {
    expect(checkReadBack({}, '脑出血').ok).toBe(true);
    expect(checkReadBack({}, 'ok').ok).toBe(true);
    expect(checkReadBack({}, ' 好 ')).toMatchObject({
      ok: false,
      reason: 'the read-back "好" is too short: repeat the finding in at least 2 characters',
    });
  });
});
