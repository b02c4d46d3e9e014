import { writeAecg } from './aecg';
import { writeDicomEcg } from './dicom-ecg';
import { readEcgFile } from './ecg-file';
import { criticalFlags } from './flags';
import { measureEcg } from './measure';
import { syntheticEcg } from './synthetic';

/**
 * The whole path a cart's file takes at the ECG centre (file → leads → measurements → flags), on
 * generated DICOM and aECG files across the rates the issue names (40–180/min), with mains, muscle
 * noise and baseline wander: the tolerances are ±2/min, ±10 ms on intervals, ±15° on the axis.
 */
describe('ECG files measured across rates', () => {
  const cases = [
    { heartRateBpm: 40, prMs: 200, qrsMs: 100, qtMs: 450, axisDeg: -30 },
    { heartRateBpm: 60, prMs: 160, qrsMs: 80, qtMs: 400, axisDeg: 0 },
    { heartRateBpm: 75, prMs: 120, qrsMs: 120, qtMs: 380, axisDeg: 60 },
    { heartRateBpm: 100, prMs: 160, qrsMs: 100, qtMs: 340, axisDeg: 90 },
    { heartRateBpm: 140, prMs: 120, qrsMs: 80, qtMs: 300, axisDeg: 30 },
    { heartRateBpm: 180, prMs: 120, qrsMs: 80, qtMs: 210, axisDeg: 60 },
  ];

  it.each(
    cases.flatMap((truth, k) => [
      { ...truth, format: 'dicom' as const, seed: 100 + k },
      { ...truth, format: 'aecg' as const, seed: 200 + k },
    ]),
  )('$format at $heartRateBpm/min, PR $prMs, QRS $qrsMs, QT $qtMs, axis $axisDeg°', (c) => {
    const recording = syntheticEcg({
      heartRateBpm: c.heartRateBpm,
      prMs: c.prMs,
      qrsMs: c.qrsMs,
      qtMs: c.qtMs,
      axisDeg: c.axisDeg,
      durationS: 12,
      samplingHz: 500,
      seed: c.seed,
      noise: { mainsMv: 0.1, muscleMv: 0.03, wanderMv: 0.4 },
    });
    const file =
      c.format === 'dicom'
        ? readEcgFile(writeDicomEcg(recording, { accessionNumber: 'E1' }), 'application/dicom')
        : readEcgFile(
            Buffer.from(writeAecg(recording, { accessionNumber: 'E1' })),
            'application/xml',
          );
    const m = measureEcg(file.recording);
    expect(Math.abs(m.heartRateBpm - c.heartRateBpm)).toBeLessThanOrEqual(2);
    expect(Math.abs((m.prMs ?? Number.NaN) - c.prMs)).toBeLessThanOrEqual(10);
    expect(Math.abs(m.qrsMs - c.qrsMs)).toBeLessThanOrEqual(10);
    expect(Math.abs(m.qtMs - c.qtMs)).toBeLessThanOrEqual(10);
    const axisError = Math.abs(((m.axisDeg - c.axisDeg + 540) % 360) - 180);
    expect(axisError).toBeLessThanOrEqual(15);
    // 180/min is a critical rate (≥ 180): flagged for an urgent read; the others are not.
    expect(criticalFlags(m).map((f) => f.code)).toEqual(
      c.heartRateBpm >= 180 ? ['ECG_TACHYCARDIA'] : [],
    );
  });

  it('flags a slow rate and a pause read from a file', () => {
    const slow = syntheticEcg({
      heartRateBpm: 30,
      prMs: 180,
      qrsMs: 90,
      qtMs: 460,
      axisDeg: 45,
      durationS: 16,
      samplingHz: 500,
      seed: 9,
    });
    const pause = syntheticEcg({
      heartRateBpm: 70,
      prMs: 160,
      qrsMs: 90,
      qtMs: 380,
      axisDeg: 45,
      durationS: 14,
      samplingHz: 500,
      seed: 10,
      pauseAtS: 5,
      pauseMs: 3400,
    });
    const codes = (r: typeof slow) =>
      criticalFlags(measureEcg(readEcgFile(writeDicomEcg(r), 'application/dicom').recording)).map(
        (f) => f.code,
      );
    expect(codes(slow)).toContain('ECG_BRADYCARDIA');
    expect(codes(pause)).toContain('ECG_PAUSE');
  });
});
