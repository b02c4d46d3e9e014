import { criticalFlags } from './flags';
import { measureEcg } from './measure';
import { syntheticEcg } from './synthetic';

const measured = (overrides: Partial<Parameters<typeof syntheticEcg>[0]>) =>
  measureEcg(
    syntheticEcg({
      heartRateBpm: 75,
      prMs: 160,
      qrsMs: 90,
      qtMs: 380,
      axisDeg: 45,
      durationS: 15,
      noise: { mainsMv: 0.05, muscleMv: 0.02, wanderMv: 0.3 },
      seed: 11,
      ...overrides,
    }),
  );

const codes = (overrides: Partial<Parameters<typeof syntheticEcg>[0]>) =>
  criticalFlags(measured(overrides)).map((f) => f.code);

describe('criticalFlags', () => {
  it('raises nothing for a normal ECG', () => {
    expect(criticalFlags(measured({}))).toEqual([]);
  });

  it('flags a 3.2 s pause', () => {
    const flags = criticalFlags(measured({ heartRateBpm: 60, qtMs: 400, pauseAtS: 6 }));
    expect(flags.map((f) => f.code)).toEqual(['ECG_PAUSE']);
    expect(flags[0].text).toContain('3.2');
    expect(flags[0].text).toMatch(/停搏.*Pause/);
  });

  it('flags a mean ventricular rate of 30/min', () => {
    expect(codes({ heartRateBpm: 30, qtMs: 460, durationS: 20 })).toEqual(['ECG_BRADYCARDIA']);
  });

  it('flags a rate of 185/min as tachycardia', () => {
    expect(codes({ heartRateBpm: 185, prMs: 120, qtMs: 210 })).toEqual(['ECG_TACHYCARDIA']);
  });

  it('does not flag a rate just inside the limits', () => {
    expect(codes({ heartRateBpm: 36, qtMs: 460, durationS: 20 })).toEqual([]);
    expect(codes({ heartRateBpm: 175, prMs: 120, qtMs: 210 })).toEqual([]);
  });
});
