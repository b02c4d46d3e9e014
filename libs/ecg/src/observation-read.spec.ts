import { measureEcg } from './measure';
import { buildEcgObservation } from './observation';
import { recordingFromObservation } from './observation-read';
import { syntheticEcg } from './synthetic';

describe('recordingFromObservation', () => {
  const recording = syntheticEcg({
    heartRateBpm: 75,
    prMs: 160,
    qrsMs: 90,
    qtMs: 380,
    axisDeg: 50,
    durationS: 10,
    samplingHz: 500,
    seed: 5,
  });
  const observation = buildEcgObservation({
    recording,
    measurement: measureEcg(recording),
    flags: [],
    status: 'preliminary',
    effectiveDateTime: '2026-11-23T08:00:00Z',
    identifier: { system: 'urn:hub:ecg-recording', value: 'r1' },
  });

  it('gives back the twelve leads the Observation carries, within one quantisation step', () => {
    const read = recordingFromObservation(observation);
    expect(read?.samplingHz).toBe(500);
    for (const lead of ['I', 'II', 'aVF', 'V6'] as const) {
      expect(read?.leads[lead]).toHaveLength(recording.leads[lead].length);
      const worst = Math.max(
        ...Array.from(recording.leads[lead], (v, k) => Math.abs(v - (read?.leads[lead][k] ?? 0))),
      );
      expect(worst).toBeLessThanOrEqual(0.001);
    }
  });

  it('gives nothing for an Observation that is missing a lead or carries a non-number', () => {
    const withoutV3 = {
      ...observation,
      component: observation.component?.filter((c) => c.code.coding?.[0]?.code !== '131333'),
    };
    expect(recordingFromObservation(withoutV3)).toBeUndefined();
    const withCode = {
      ...observation,
      component: observation.component?.map((c) =>
        c.valueSampledData
          ? {
              ...c,
              valueSampledData: { ...c.valueSampledData, data: `E ${c.valueSampledData.data}` },
            }
          : c,
      ),
    };
    expect(recordingFromObservation(withCode)).toBeUndefined();
    expect(recordingFromObservation({ ...observation, component: [] })).toBeUndefined();
  });
});
