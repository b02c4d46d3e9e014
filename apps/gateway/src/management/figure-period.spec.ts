import { FhirError } from '@hub/fhir';
import { figurePeriod, monthOf } from './figure-period';

describe('figurePeriod', () => {
  it('covers the last twelve months, China time, by default', () => {
    // 2026-10-31 17:30 UTC is already 1 November in Beijing.
    const period = figurePeriod({}, new Date('2026-10-31T17:30:00Z'));
    expect(period).toEqual({
      from: '2025-12',
      to: '2026-11',
      start: new Date('2025-11-30T16:00:00Z'),
      end: new Date('2026-11-30T16:00:00Z'),
    });
  });

  it('takes from and to as whole months, to inclusive, across a year end', () => {
    expect(figurePeriod({ from: '2025-11', to: '2026-02' })).toMatchObject({
      start: new Date('2025-10-31T16:00:00Z'),
      end: new Date('2026-02-28T16:00:00Z'),
    });
    expect(figurePeriod({ to: '2026-03' })).toMatchObject({ from: '2025-04', to: '2026-03' });
  });

  it.each([
    [{ from: '2026-13' }, 'from: a month is written YYYY-MM'],
    [{ from: '2026-3' }, 'from: a month is written YYYY-MM'],
    [{ from: '2026-05', to: '2026-04' }, 'from (2026-05) is after to (2026-04)'],
    [{ from: '2000-01', to: '2026-04' }, 'ask for at most 120'],
    [{ month: '2026-04' }, 'unknown field(s): month'],
  ])('refuses %j with a 400', (query, message) => {
    let caught: unknown;
    try {
      figurePeriod(query);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FhirError);
    expect((caught as FhirError).status).toBe(400);
    expect((caught as FhirError).diagnostics).toContain(message);
  });

  it('names the China-time month of an instant', () => {
    expect(monthOf(new Date('2026-03-31T15:59:59Z'))).toBe('2026-03');
    expect(monthOf(new Date('2026-03-31T16:00:00Z'))).toBe('2026-04');
  });
});
