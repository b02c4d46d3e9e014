import { CriticalValueConfigError, loadCriticalValueConfig } from './critical-value-config';

describe('critical-value configuration', () => {
  it('defaults to escalation after 10 minutes and a 15-minute target', () => {
    expect(loadCriticalValueConfig({})).toEqual({ ackTimeoutSeconds: 600, ackTargetSeconds: 900 });
  });

  it('reads both variables and treats empty ones as unset', () => {
    expect(
      loadCriticalValueConfig({
        CRITICAL_ACK_TIMEOUT_SECONDS: '1',
        CRITICAL_ACK_TARGET_SECONDS: ' ',
      }),
    ).toEqual({ ackTimeoutSeconds: 1, ackTargetSeconds: 900 });
    expect(loadCriticalValueConfig({ CRITICAL_ACK_TARGET_SECONDS: '1500' }).ackTargetSeconds).toBe(
      1500,
    );
  });

  it.each([
    ['CRITICAL_ACK_TIMEOUT_SECONDS', 'ten minutes', /expected number/],
    ['CRITICAL_ACK_TIMEOUT_SECONDS', '0', /at least 1 second/],
    ['CRITICAL_ACK_TARGET_SECONDS', '90.5', /whole number/],
    ['CRITICAL_ACK_TARGET_SECONDS', '100000', /at most 86400/],
  ])('refuses %s=%s and names the variable', (name, value, why) => {
    let error: unknown;
    try {
      loadCriticalValueConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CriticalValueConfigError);
    expect((error as Error).message).toContain(`${name} is invalid ("${value}")`);
    expect((error as Error).message).toMatch(why);
  });

  it('names every bad variable at once', () => {
    expect(() =>
      loadCriticalValueConfig({
        CRITICAL_ACK_TIMEOUT_SECONDS: '-5',
        CRITICAL_ACK_TARGET_SECONDS: 'x',
      }),
    ).toThrow(/CRITICAL_ACK_TIMEOUT_SECONDS[\s\S]*CRITICAL_ACK_TARGET_SECONDS/);
  });
});
