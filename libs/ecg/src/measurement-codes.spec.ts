import {
  ECG_LEAD_CODES,
  ECG_MEASUREMENT_NAMES,
  ecgMeasurementConcept,
  ecgMeasurementKey,
  parseEcgMeasurementKey,
} from './measurement-codes';
import { LEAD_NAMES } from './types';

describe('ECG measurement codes', () => {
  it('gives each lead a distinct MDC_ECG_ELEC_POTL code: 131328 + the lead term code', () => {
    const codes = LEAD_NAMES.map((lead) => Number(ECG_LEAD_CODES[lead].code));
    expect(new Set(codes).size).toBe(12);
    // I, II, V1–V6 are terms 1–8; III, aVR, aVL, aVF are 61–64 (ISO/IEEE 11073-10101).
    expect(codes.map((c) => c - 131328)).toEqual([1, 2, 61, 62, 63, 64, 3, 4, 5, 6, 7, 8]);
  });

  it('round-trips the hub-local key', () => {
    for (const name of ECG_MEASUREMENT_NAMES) {
      for (const source of ['hub', 'cart'] as const) {
        expect(parseEcgMeasurementKey(ecgMeasurementKey(source, name))).toEqual({ source, name });
      }
    }
    expect(parseEcgMeasurementKey('device.qt')).toBeUndefined();
    expect(parseEcgMeasurementKey('hub.st')).toBeUndefined();
    expect(parseEcgMeasurementKey('hub')).toBeUndefined();
  });

  it('codes a measurement with LOINC and its source', () => {
    expect(ecgMeasurementConcept('hub', 'qtc-bazett')).toEqual({
      coding: [
        { system: 'http://loinc.org', code: '8636-3', display: 'Q-T interval corrected' },
        { system: 'urn:hub:ecg-measurement', code: 'hub.qtc-bazett', display: 'QTc (Bazett), hub' },
      ],
      text: 'QTc (Bazett), hub',
    });
  });
});
