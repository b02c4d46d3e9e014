import { draftRequest, parseRequest, worklistRequest } from './reading-requests';

const reader = { username: 'radiologist', licensed: true };

describe('reading requests', () => {
  it('names the first thing wrong in a draft', () => {
    expect(parseRequest(draftRequest, { orderId: 'o', reader, impression: 'x' })).toEqual({
      ok: false,
      refusal: {
        ok: false,
        status: 400,
        diagnostics: 'findings (检查所见) is required',
        expression: ['findings'],
      },
    });
    expect(
      parseRequest(draftRequest, {
        orderId: 'o',
        reader,
        findings: 'x'.repeat(10_001),
        impression: 'x',
      }),
    ).toMatchObject({
      refusal: { diagnostics: 'findings (检查所见) must be at most 10000 characters' },
    });
    expect(parseRequest(draftRequest, undefined)).toMatchObject({
      refusal: { status: 400, expression: ['orderId'] },
    });
  });

  it('trims the text and keeps an absent critical finding apart from a cleared one', () => {
    const base = { orderId: 'o', reader, findings: ' 所见 ', impression: '意见' };
    expect(parseRequest(draftRequest, base)).toEqual({
      ok: true,
      value: { orderId: 'o', reader, findings: '所见', impression: '意见' },
    });
    expect(parseRequest(draftRequest, { ...base, critical: null })).toMatchObject({
      value: { critical: null },
    });
  });

  it('accepts only known statuses in the worklist filter', () => {
    expect(worklistRequest.safeParse({ status: 'final' }).success).toBe(true);
    expect(worklistRequest.safeParse({ status: 'signed' }).success).toBe(false);
  });
});
