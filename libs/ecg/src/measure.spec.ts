import { EcgMeasurementError, measureEcg } from './measure';
import { syntheticEcg } from './synthetic';

/** Acceptance tolerances (see README, "Accuracy"). */
const TOLERANCE = { heartRateBpm: 2, intervalMs: 10, axisDeg: 15 };
const NOISE = { mainsMv: 0.1, muscleMv: 0.03, wanderMv: 0.4 };

/** QT consistent with each rate (QTc Bazett ≈ 360–460 ms); the shortest PR that keeps P after T. */
const QT_BY_RATE: Record<number, number[]> = {
  40: [420, 460],
  60: [380, 420],
  75: [360, 400],
  100: [320, 360],
  140: [280, 300],
  180: [200, 210],
};
const PRS = [120, 160, 200];
const QRSS = [80, 100, 120];
const AXES = [-30, 0, 60, 90];

interface GridCase {
  heartRateBpm: number;
  prMs: number;
  qrsMs: number;
  qtMs: number;
  axisDeg: number;
  seed: number;
}

/**
 * Every rate with every axis; PR, QRS and QT rotate through their values. A PR is only used where
 * the P wave starts after the previous T wave ends (RR ≥ QT + PR): P-on-T is not covered.
 */
function grid(): GridCase[] {
  const cases: GridCase[] = [];
  let seed = 100;
  for (const [rate, qts] of Object.entries(QT_BY_RATE)) {
    const heartRateBpm = Number(rate);
    AXES.forEach((axisDeg, a) => {
      for (let k = 0; k < 2; k++) {
        const qtMs = qts[(a + k) % qts.length];
        const prs = PRS.filter((pr) => 60000 / heartRateBpm >= qtMs + pr);
        const prMs = prs.length > 0 ? prs[(a + 2 * k) % prs.length] : 120;
        const qrsMs = QRSS[(a + k) % QRSS.length];
        cases.push({ heartRateBpm, prMs, qrsMs, qtMs, axisDeg, seed: seed++ });
      }
    });
  }
  return cases;
}

describe('measureEcg on synthetic 12-lead recordings with mains, muscle noise and wander', () => {
  it.each(grid())(
    '$heartRateBpm bpm, PR $prMs, QRS $qrsMs, QT $qtMs, axis $axisDeg°',
    ({ seed, ...truth }) => {
      const m = measureEcg(syntheticEcg({ ...truth, durationS: 12, noise: NOISE, seed }));
      expect(Math.abs(m.heartRateBpm - truth.heartRateBpm)).toBeLessThanOrEqual(
        TOLERANCE.heartRateBpm,
      );
      expect(m.prMs).toBeDefined();
      expect(Math.abs((m.prMs ?? NaN) - truth.prMs)).toBeLessThanOrEqual(TOLERANCE.intervalMs);
      expect(Math.abs(m.qrsMs - truth.qrsMs)).toBeLessThanOrEqual(TOLERANCE.intervalMs);
      expect(Math.abs(m.qtMs - truth.qtMs)).toBeLessThanOrEqual(TOLERANCE.intervalMs);
      expect(Math.abs(m.axisDeg - truth.axisDeg)).toBeLessThanOrEqual(TOLERANCE.axisDeg);
    },
  );

  it('reports RR, regularity, QTc and the beats of a regular rhythm', () => {
    const m = measureEcg(
      syntheticEcg({
        heartRateBpm: 60,
        prMs: 160,
        qrsMs: 90,
        qtMs: 400,
        axisDeg: 45,
        durationS: 10,
        noise: NOISE,
      }),
    );
    expect(m.beats).toHaveLength(10);
    expect(m.rrMs).toHaveLength(9);
    for (const rr of m.rrMs) expect(Math.abs(rr - 1000)).toBeLessThanOrEqual(4);
    expect(m.rrRegularity.cv).toBeLessThan(0.01);
    // RR = 1 s: both corrections leave QT unchanged.
    expect(m.qtcBazettMs).toBeCloseTo(m.qtMs, 0);
    expect(m.qtcFridericiaMs).toBeCloseTo(m.qtMs, 0);
    expect(m.quality).toMatchObject({ beatsDetected: 10, flatLeads: [] });
    expect(m.quality.mainsMv).toBeCloseTo(0.1, 1);
  });

  it('corrects QT for rate by Bazett and Fridericia', () => {
    const m = measureEcg(
      syntheticEcg({
        heartRateBpm: 100,
        prMs: 140,
        qrsMs: 90,
        qtMs: 340,
        axisDeg: 45,
        durationS: 10,
      }),
    );
    const rrS = 0.6;
    expect(m.qtcBazettMs).toBeCloseTo(m.qtMs / Math.sqrt(rrS), 0);
    expect(m.qtcFridericiaMs).toBeCloseTo(m.qtMs / Math.cbrt(rrS), 0);
  });

  it('measures an irregular rhythm beat by beat', () => {
    const m = measureEcg(
      syntheticEcg({
        heartRateBpm: 90,
        prMs: 150,
        qrsMs: 90,
        qtMs: 340,
        axisDeg: 30,
        durationS: 15,
        irregularity: 0.2,
        noise: NOISE,
        seed: 5,
      }),
    );
    expect(m.rrRegularity.cv).toBeGreaterThan(0.05);
    expect(Math.abs(m.heartRateBpm - 90)).toBeLessThan(10);
    expect(m.rrRegularity.shortestRrMs).toBeLessThan(m.rrRegularity.longestRrMs);
  });

  it('finds every beat around a 3.2 s pause', () => {
    const m = measureEcg(
      syntheticEcg({
        heartRateBpm: 70,
        prMs: 160,
        qrsMs: 90,
        qtMs: 380,
        axisDeg: 60,
        durationS: 15,
        noise: NOISE,
        pauseAtS: 5,
      }),
    );
    expect(Math.max(...m.rrMs)).toBeCloseTo(3200, -1);
    expect(m.rrMs.filter((rr) => rr > 1000)).toHaveLength(1);
  });

  it('rejects a recording it cannot measure, saying why', () => {
    const flat = syntheticEcg({
      heartRateBpm: 60,
      prMs: 160,
      qrsMs: 90,
      qtMs: 400,
      axisDeg: 0,
      durationS: 2,
    });
    expect(() => measureEcg(flat)).toThrow(
      new EcgMeasurementError('recording is 2.0 s; at least 4 s are needed'),
    );
  });
});
