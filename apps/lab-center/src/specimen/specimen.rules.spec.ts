import { parseEventTime, transportBreach, transportLimitFor } from './specimen.rules';
import { demoSpecimenTypes } from '@hub/consortium';

describe('specimen transport check', () => {
  const collectedAt = new Date('2026-11-23T08:00:00Z');
  const potassium = { collectedAt, transportLimitMinutes: 30, type: 'serum-k' };

  it("passes a specimen within its type's limit, to the minute", () => {
    expect(transportBreach(potassium, new Date('2026-11-23T08:30:00Z'))).toBeUndefined();
  });

  it('names the minutes and the limit when the limit is exceeded', () => {
    expect(transportBreach(potassium, new Date('2026-11-23T08:45:00Z'))).toMatch(
      /45 min exceeds the 30 min limit for serum-k/,
    );
  });

  it('configures the demo limits from the domain defaults', () => {
    expect(transportLimitFor(demoSpecimenTypes, 'serum-k')).toBe(30);
    expect(transportLimitFor(demoSpecimenTypes, 'whole-blood-edta')).toBe(480);
    expect(transportLimitFor(demoSpecimenTypes, 'nope')).toBeUndefined();
  });

  it('refuses event times in the future or not ISO', () => {
    const now = new Date('2026-11-23T08:00:00Z');
    expect(parseEventTime('2026-11-23T09:00:00Z', 'collectedAt', now)).toMatchObject({
      status: 422,
      expression: ['collectedAt'],
    });
    expect(parseEventTime('yesterday', 'collectedAt', now)).toMatchObject({ status: 400 });
    expect(parseEventTime('2026-11-23T07:00:00+08:00', 'collectedAt', now)).toEqual(
      new Date('2026-11-22T23:00:00Z'),
    );
  });
});
