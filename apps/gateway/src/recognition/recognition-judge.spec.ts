import { judge } from './recognition.service';

describe('recognition eligibility of one result', () => {
  const rule = { recognized: true, validity_days: 7 };
  const now = new Date('2026-04-05T00:00:00Z');
  const passedSinceJanuary = { centre_org: 'LAB', passed: true, effective_from: '2026-01-01' };

  it('recognizes a result of a recognized item by a centre whose EQA passed, inside the window', () => {
    const observed = new Date('2026-04-01T02:00:00Z');
    expect(judge(rule, [passedSinceJanuary], 'LAB', observed, now)).toEqual({
      eligible: true,
      validUntil: new Date('2026-04-08T02:00:00Z'),
    });
  });

  it('names why a result is not recognized', () => {
    const observed = new Date('2026-04-01T02:00:00Z');
    expect(judge({ recognized: false, validity_days: 7 }, [], 'LAB', observed, now)).toMatchObject({
      reason: 'not-recognized',
    });
    expect(judge(undefined, [], 'LAB', observed, now)).toMatchObject({ reason: 'not-recognized' });
    expect(judge(rule, [passedSinceJanuary], 'IMAGING', observed, now)).toMatchObject({
      reason: 'no-eqa',
    });
    expect(judge(rule, [passedSinceJanuary], undefined, observed, now)).toMatchObject({
      reason: 'no-eqa',
    });
    expect(
      judge(rule, [passedSinceJanuary], 'LAB', new Date('2026-03-20T02:00:00Z'), now),
    ).toMatchObject({ reason: 'outside-window' });
  });

  it('judges by the EQA entry in force on the China day the result was observed', () => {
    const history = [
      { centre_org: 'LAB', passed: false, effective_from: '2026-04-01' },
      passedSinceJanuary,
    ];
    // 2026-03-31 17:30 UTC is already 1 April in China: the failure applies.
    expect(judge(rule, history, 'LAB', new Date('2026-03-31T17:30:00Z'), now)).toMatchObject({
      reason: 'eqa-lapsed',
      detail: 'since 2026-04-01',
    });
    // 15:30 UTC is still 31 March there: the earlier pass holds.
    expect(judge(rule, history, 'LAB', new Date('2026-03-31T15:30:00Z'), now)).toMatchObject({
      eligible: true,
    });
  });
});
