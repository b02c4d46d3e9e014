import { type EcgMeasurement } from './measure';

/** ECG 危急值 (critical finding) that the signal measurements alone can show. */
export type EcgCriticalCode = 'ECG_PAUSE' | 'ECG_BRADYCARDIA' | 'ECG_TACHYCARDIA';

export interface EcgCriticalFlag {
  code: EcgCriticalCode;
  /** Chinese, then English. */
  text: string;
}

/** Limits from the Zhejiang trial standard for ECG critical findings (docs: DOMAIN.md). */
export const ECG_CRITICAL_LIMITS = {
  pauseMs: 3000,
  minMeanRateBpm: 35,
  maxMeanRateBpm: 180,
} as const;

/**
 * The critical findings a measurement can raise without a reader: a pause (RR ≥ 3.0 s), a mean
 * ventricular rate < 35/min, and a mean rate ≥ 180/min. The last stands for the standard's
 * rate-defined criteria (AF/AFL ≥ 180/min, SVT ≥ 230/min, VT ≥ 150/min for ≥ 30 s), whose rhythm
 * needs a reader; so it is flagged for urgent review, not named.
 *
 * Left to the cardiologist (心电诊断医师), because they rest on rhythm or morphology this library
 * does not classify: new third-degree AV block, long QT with R-on-T, VT morphology, torsades,
 * ventricular flutter/fibrillation, pre-excited AF (shortest RR < 250 ms), and a new acute MI pattern
 * (ST elevation ≥ 0.1 mV in limb leads or V4–V6, > 0.3 mV in V1–V3).
 */
export function criticalFlags(measurement: EcgMeasurement): EcgCriticalFlag[] {
  const flags: EcgCriticalFlag[] = [];
  const longest = Math.max(0, ...measurement.rrMs);
  if (longest >= ECG_CRITICAL_LIMITS.pauseMs) {
    const s = (longest / 1000).toFixed(1);
    flags.push({
      code: 'ECG_PAUSE',
      text: `长RR间期/停搏 ${s} 秒 (≥3.0 秒) / Pause: longest RR ${s} s (≥ 3.0 s)`,
    });
  }
  const rate = Math.round(measurement.heartRateBpm);
  if (measurement.heartRateBpm < ECG_CRITICAL_LIMITS.minMeanRateBpm) {
    flags.push({
      code: 'ECG_BRADYCARDIA',
      text: `平均心室率 ${rate} 次/分 (<35 次/分) / Mean ventricular rate ${rate}/min (< 35/min)`,
    });
  }
  if (measurement.heartRateBpm >= ECG_CRITICAL_LIMITS.maxMeanRateBpm) {
    flags.push({
      code: 'ECG_TACHYCARDIA',
      text: `心动过速: 平均心室率 ${rate} 次/分 (≥180 次/分), 需紧急判读 / Tachycardia: mean ventricular rate ${rate}/min (≥ 180/min), urgent read`,
    });
  }
  return flags;
}
