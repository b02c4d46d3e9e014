import type { ObservationComponent } from 'fhir/r4';
import { measureEcg } from './measure';
import { ECG_CODE_SYSTEMS, ECG_LEAD_CODES } from './measurement-codes';
import { type CartMeasurements } from './ecg-file-model';
import {
  buildEcgObservation,
  ecgMeasurementSummary,
  type EcgObservationInput,
} from './observation';
import { syntheticEcg } from './synthetic';
import { LEAD_NAMES, type LeadName } from './types';

const recording = syntheticEcg({
  heartRateBpm: 75,
  prMs: 160,
  qrsMs: 92,
  qtMs: 380,
  axisDeg: 60,
  durationS: 10,
  noise: { mainsMv: 0.05, muscleMv: 0.02, wanderMv: 0.3 },
});
const measurement = measureEcg(recording);

const CART: CartMeasurements = {
  heartRateBpm: 76,
  rrMs: 789,
  prMs: 158,
  qrsMs: 94,
  qtMs: 378,
  qtcMs: 425,
  pAxisDeg: 55,
  qrsAxisDeg: 58,
  tAxisDeg: 45,
  statements: ['窦性心律 Sinus rhythm', '正常心电图 Normal ECG'],
};

function makeInput(overrides: Partial<EcgObservationInput> = {}): EcgObservationInput {
  return {
    recording,
    measurement,
    flags: [],
    status: 'preliminary',
    effectiveDateTime: '2025-03-01T09:30:00+08:00',
    identifier: { system: 'urn:hub:ecg-recording', value: 'rec-1' },
    ...overrides,
  };
}

/** `hub.qtc-bazett` → its component. */
function bySource(components: ObservationComponent[]): Map<string, ObservationComponent> {
  const map = new Map<string, ObservationComponent>();
  for (const c of components) {
    const key = c.code.coding?.find((x) => x.system === ECG_CODE_SYSTEMS.measurement)?.code;
    if (key) map.set(key, c);
  }
  return map;
}

const loincOf = (c: ObservationComponent | undefined) =>
  c?.code.coding?.find((x) => x.system === ECG_CODE_SYSTEMS.loinc)?.code;

describe('buildEcgObservation', () => {
  it('is an EKG study with one SampledData component per lead, MDC coded', () => {
    const obs = buildEcgObservation(makeInput());
    expect(obs.resourceType).toBe('Observation');
    expect(obs.code.coding).toEqual([
      { system: 'http://loinc.org', code: '11524-6', display: 'EKG study' },
    ]);
    expect(obs.code.text).toBe('十二导联心电图 12-lead ECG');
    expect(obs.category?.[0].coding?.[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/observation-category',
      code: 'procedure',
    });
    const leads = obs.component!.filter((c) => c.valueSampledData);
    expect(leads).toHaveLength(12);
    expect(leads.map((c) => c.code.coding?.[0].code)).toEqual(
      LEAD_NAMES.map((lead) => ECG_LEAD_CODES[lead].code),
    );
    expect(leads[0].code.coding?.[0]).toEqual({
      system: 'urn:oid:2.16.840.1.113883.6.24',
      code: '131329',
      display: 'MDC_ECG_ELEC_POTL_I',
    });
    expect(leads[0].valueSampledData).toMatchObject({
      origin: { value: 0, unit: 'mV', system: 'http://unitsofmeasure.org', code: 'mV' },
      period: 2,
      factor: 0.001,
      dimensions: 1,
    });
  });

  it('quantises each lead to 1 µV: as many values as samples, decoding back within the factor', () => {
    const obs = buildEcgObservation(makeInput());
    LEAD_NAMES.forEach((lead, k) => {
      const sampled = obs.component![k].valueSampledData!;
      const values = sampled.data!.split(' ').map(Number);
      const signal = recording.leads[lead];
      expect(values).toHaveLength(signal.length);
      let worst = 0;
      values.forEach((v, i) => {
        expect(Number.isInteger(v)).toBe(true);
        worst = Math.max(worst, Math.abs(sampled.origin.value! + v * sampled.factor! - signal[i]));
      });
      expect(worst).toBeLessThanOrEqual(sampled.factor! / 2 + 1e-12);
    });
  });

  it('carries the raw samples and factor as given', () => {
    const samples = {} as Record<LeadName, Int32Array>;
    for (const lead of LEAD_NAMES) {
      samples[lead] = Int32Array.from(recording.leads[lead], (v) => Math.round(v / 0.00488));
    }
    const obs = buildEcgObservation(makeInput({ samples, factorMv: 0.00488 }));
    const v1 = obs.component![LEAD_NAMES.indexOf('V1')].valueSampledData!;
    expect(v1.factor).toBe(0.00488);
    expect(v1.data).toBe(Array.from(samples.V1).join(' '));

    samples.V3 = samples.V3.subarray(1);
    expect(() => buildEcgObservation(makeInput({ samples, factorMv: 0.00488 }))).toThrow(/V3/);
    expect(() => buildEcgObservation(makeInput({ factorMv: 0 }))).toThrow(RangeError);
  });

  it('writes a sample that is not a number as E', () => {
    const broken = syntheticEcg({
      heartRateBpm: 75,
      prMs: 160,
      qrsMs: 92,
      qtMs: 380,
      axisDeg: 60,
      durationS: 1,
    });
    broken.leads.aVF[3] = Number.NaN;
    const obs = buildEcgObservation(makeInput({ recording: broken, measurement: undefined }));
    const avf = obs.component![LEAD_NAMES.indexOf('aVF')].valueSampledData!.data!.split(' ');
    expect(avf[3]).toBe('E');
  });

  it("gives the hub's measurements with their LOINC codes, rounded, in UCUM units", () => {
    const hub = bySource(buildEcgObservation(makeInput()).component!);
    const expected: Array<[string, string, number, string]> = [
      ['hub.heart-rate', '8867-4', measurement.heartRateBpm, '/min'],
      ['hub.rr', '8637-1', 60000 / measurement.heartRateBpm, 'ms'],
      ['hub.pr', '8625-6', measurement.prMs!, 'ms'],
      ['hub.qrs', '8633-0', measurement.qrsMs, 'ms'],
      ['hub.qt', '8634-8', measurement.qtMs, 'ms'],
      ['hub.qtc-bazett', '8636-3', measurement.qtcBazettMs, 'ms'],
      ['hub.qtc-fridericia', '8636-3', measurement.qtcFridericiaMs, 'ms'],
      ['hub.qrs-axis', '8632-2', measurement.axisDeg, 'deg'],
    ];
    expect([...hub.keys()]).toEqual(expected.map(([key]) => key));
    for (const [key, loinc, value, unit] of expected) {
      const component = hub.get(key)!;
      expect(loincOf(component)).toBe(loinc);
      expect(component.valueQuantity).toEqual({
        value: Math.round(value),
        unit,
        system: 'http://unitsofmeasure.org',
        code: unit,
      });
    }
    expect(hub.get('hub.qtc-bazett')!.code.text).toBe('QTc (Bazett), hub');
    expect(hub.get('hub.qtc-fridericia')!.code.text).toBe('QTc (Fridericia), hub');
  });

  it("puts the cart's values next to the hub's, each marked with its source", () => {
    const obs = buildEcgObservation(makeInput({ cart: CART }));
    const keys = [...bySource(obs.component!).keys()];
    expect(keys).toEqual([
      'hub.heart-rate',
      'cart.heart-rate',
      'hub.rr',
      'cart.rr',
      'hub.pr',
      'cart.pr',
      'hub.qrs',
      'cart.qrs',
      'hub.qt',
      'cart.qt',
      'hub.qtc-bazett',
      'hub.qtc-fridericia',
      'cart.qtc',
      'cart.p-axis',
      'hub.qrs-axis',
      'cart.qrs-axis',
      'cart.t-axis',
    ]);
    const components = bySource(obs.component!);
    expect(components.get('cart.qtc')).toMatchObject({
      code: { text: 'QTc, cart' },
      valueQuantity: { value: 425, code: 'ms' },
    });
    expect(loincOf(components.get('cart.qtc'))).toBe('8636-3');
    expect(loincOf(components.get('cart.p-axis'))).toBe('8626-4');
    expect(loincOf(components.get('cart.t-axis'))).toBe('8638-9');
    expect(components.get('cart.heart-rate')!.valueQuantity!.value).toBe(76);
    expect(obs.note?.map((n) => n.text)).toEqual([
      'Cart interpretation: 窦性心律 Sinus rhythm',
      'Cart interpretation: 正常心电图 Normal ECG',
    ]);
  });

  it('has no hub measurements when the signal could not be measured, and a note says why', () => {
    const obs = buildEcgObservation(
      makeInput({
        measurement: undefined,
        measurementError: 'only 2 QRS complexes found; at least 3 are needed',
        cart: { heartRateBpm: 40 },
      }),
    );
    const keys = [...bySource(obs.component!).keys()];
    expect(keys).toEqual(['cart.heart-rate']);
    expect(obs.component!.filter((c) => c.valueSampledData)).toHaveLength(12);
    expect(obs.note).toEqual([
      {
        text: 'Hub measurement not available: only 2 QRS complexes found; at least 3 are needed',
      },
    ]);
  });

  it('marks a PR the hub could not measure as absent, not as missing', () => {
    const obs = buildEcgObservation(
      makeInput({ measurement: { ...measurement, prMs: undefined } }),
    );
    const pr = bySource(obs.component!).get('hub.pr')!;
    expect(pr.valueQuantity).toBeUndefined();
    expect(pr.dataAbsentReason).toMatchObject({
      coding: [{ system: ECG_CODE_SYSTEMS.dataAbsentReason, code: 'unknown' }],
      text: 'PR间期无法测量 / PR not measurable',
    });
  });

  it('turns machine critical flags into interpretations and notes', () => {
    const flags = [
      {
        code: 'ECG_PAUSE',
        text: '长RR间期/停搏 3.2 秒 (≥3.0 秒) / Pause: longest RR 3.2 s (≥ 3.0 s)',
      },
      { code: 'ECG_BRADYCARDIA', text: '平均心室率 30 次/分 / Mean ventricular rate 30/min' },
    ];
    const obs = buildEcgObservation(makeInput({ flags }));
    expect(obs.interpretation).toEqual(
      flags.map((f) => ({
        coding: [{ system: 'urn:hub:ecg-flag', code: f.code, display: f.text }],
        text: f.text,
      })),
    );
    expect(obs.note?.map((n) => n.text)).toEqual(
      flags.map((f) => `Machine critical flag ${f.code}: ${f.text}`),
    );
    expect(buildEcgObservation(makeInput()).interpretation).toBeUndefined();
  });

  it('sets status, time, identifier, references and device as given', () => {
    const obs = buildEcgObservation(
      makeInput({
        status: 'final',
        basedOn: { reference: 'ServiceRequest/sr-1' },
        subject: { reference: 'Patient/p-1', display: '张三' },
        performer: [{ reference: 'Organization/ecg-centre' }],
        device: { manufacturer: 'GE', model: 'MAC 2000' },
      }),
    );
    expect(obs).toMatchObject({
      status: 'final',
      effectiveDateTime: '2025-03-01T09:30:00+08:00',
      identifier: [{ system: 'urn:hub:ecg-recording', value: 'rec-1' }],
      basedOn: [{ reference: 'ServiceRequest/sr-1' }],
      subject: { reference: 'Patient/p-1', display: '张三' },
      performer: [{ reference: 'Organization/ecg-centre' }],
      device: { display: 'GE MAC 2000' },
    });
    const bare = buildEcgObservation(makeInput());
    expect(bare.basedOn).toBeUndefined();
    expect(bare.subject).toBeUndefined();
    expect(bare.device).toBeUndefined();
  });

  it('stays a reasonable size: 10 s × 12 leads at 500 Hz under 300 kB of JSON', () => {
    const json = JSON.stringify(buildEcgObservation(makeInput({ cart: CART })));
    expect(json.length).toBeLessThan(300_000);
  });
});

describe('ecgMeasurementSummary', () => {
  const fixed = {
    ...measurement,
    heartRateBpm: 74.6,
    prMs: 160,
    qrsMs: 92,
    qtMs: 380.4,
    qtcBazettMs: 411.6,
    axisDeg: 60.2,
  };

  it('reads as a report line in Chinese and English', () => {
    expect(ecgMeasurementSummary(fixed)).toEqual({
      zh: '心率 75 次/分，PR 160 ms，QRS 92 ms，QT/QTc 380/412 ms，电轴 60°',
      en: 'HR 75 bpm, PR 160 ms, QRS 92 ms, QT/QTc 380/412 ms, Axis 60°',
    });
  });

  it('says when PR could not be measured', () => {
    const summary = ecgMeasurementSummary({ ...fixed, prMs: undefined, axisDeg: -30 });
    expect(summary.zh).toBe('心率 75 次/分，PR 无法测量，QRS 92 ms，QT/QTc 380/412 ms，电轴 -30°');
    expect(summary.en).toBe(
      'HR 75 bpm, PR not measurable, QRS 92 ms, QT/QTc 380/412 ms, Axis -30°',
    );
  });

  it('says when nothing was measured', () => {
    expect(ecgMeasurementSummary(undefined)).toEqual({
      zh: '心电图未能自动测量',
      en: 'ECG measurements not available',
    });
  });
});
