import { syntheticEcg } from './synthetic';
import { LEAD_NAMES } from './types';

const makeEcg = (overrides: Partial<Parameters<typeof syntheticEcg>[0]> = {}) =>
  syntheticEcg({
    heartRateBpm: 75,
    prMs: 160,
    qrsMs: 100,
    qtMs: 380,
    axisDeg: 60,
    durationS: 10,
    noise: { mainsMv: 0.1, muscleMv: 0.03, wanderMv: 0.4 },
    seed: 7,
    ...overrides,
  });

const maxAbsDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);

describe('syntheticEcg', () => {
  it('gives all twelve leads, the same length, at the requested rate', () => {
    const ecg = makeEcg({ samplingHz: 1000 });
    expect(ecg.samplingHz).toBe(1000);
    for (const lead of LEAD_NAMES) expect(ecg.leads[lead]).toHaveLength(10_000);
  });

  it.each([-30, 0, 60, 90])(
    'keeps the Einthoven and Goldberger identities, noise included (axis %i°)',
    (axisDeg) => {
      const { I, II, III, aVR, aVL, aVF } = makeEcg({ axisDeg }).leads;
      const combine = (f: (i: number, ii: number) => number) => I.map((v, k) => f(v, II[k]));
      expect(
        maxAbsDiff(
          III,
          combine((i, ii) => ii - i),
        ),
      ).toBeLessThan(1e-12);
      expect(
        maxAbsDiff(
          aVR,
          combine((i, ii) => -(i + ii) / 2),
        ),
      ).toBeLessThan(1e-12);
      expect(
        maxAbsDiff(
          aVL,
          combine((i, ii) => i - ii / 2),
        ),
      ).toBeLessThan(1e-12);
      expect(
        maxAbsDiff(
          aVF,
          combine((i, ii) => ii - i / 2),
        ),
      ).toBeLessThan(1e-12);
      // Einthoven's law in the other direction: I + III = II.
      expect(
        maxAbsDiff(
          II,
          I.map((v, k) => v + III[k]),
        ),
      ).toBeLessThan(1e-12);
    },
  );

  it('is deterministic for a seed and differs between seeds', () => {
    expect(makeEcg().leads.V2).toEqual(makeEcg().leads.V2);
    expect(maxAbsDiff(makeEcg().leads.V2, makeEcg({ seed: 8 }).leads.V2)).toBeGreaterThan(0.01);
  });

  it('places P onset, QRS onset, J point and T end at the requested intervals', () => {
    const ecg = makeEcg({ noise: {}, prMs: 180, qrsMs: 110, qtMs: 400, heartRateBpm: 60 });
    const fs = ecg.samplingHz;
    // First beat: QRS onset at PR + 100 ms; the clean signal is zero outside the waves.
    const qrsOnset = 0.28 * fs;
    const nonZero = (from: number, to: number) =>
      Array.from(ecg.leads.V5.subarray(from, to)).some((v) => Math.abs(v) > 1e-9);
    expect(nonZero(0, 0.1 * fs)).toBe(false); // before P onset
    expect(nonZero(0.1 * fs, 0.1 * fs + 5)).toBe(true); // P starts
    expect(nonZero(qrsOnset + 0.4 * fs + 1, qrsOnset + 0.8 * fs)).toBe(false); // after T end
    expect(nonZero(qrsOnset + 0.4 * fs - 5, qrsOnset + 0.4 * fs)).toBe(true); // T just before its end
  });

  it('shows R-wave progression across the precordial leads', () => {
    const { leads } = makeEcg({ noise: {} });
    const peak = (lead: 'V1' | 'V3' | 'V5') => Math.max(...leads[lead]);
    expect(peak('V1')).toBeLessThan(peak('V3'));
    expect(peak('V3')).toBeLessThan(peak('V5'));
  });

  it('inserts a pause of the requested length', () => {
    const { leads, samplingHz } = makeEcg({ noise: {}, heartRateBpm: 60, pauseAtS: 3 });
    // No activity for most of the 3.2 s pause that follows the beat after 3 s.
    const quiet = leads.II.subarray(Math.round(4.0 * samplingHz), Math.round(6.0 * samplingHz));
    expect(Math.max(...quiet.map(Math.abs))).toBeLessThan(1e-9);
  });
});
