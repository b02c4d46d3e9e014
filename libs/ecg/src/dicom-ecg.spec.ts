import { buildDicom } from '@hub/dicom';
import * as dicomParser from 'dicom-parser';
import {
  dicomEcgDataset,
  type DicomEcgWriteOptions,
  type DicomElement,
  encodePart10,
  parseDicomEcg,
  writeDicomEcg,
} from './dicom-ecg';
import { type EcgFile, EcgFileError, EcgSopClasses } from './ecg-file-model';
import { measureEcg } from './measure';
import { mulberry32, syntheticEcg } from './synthetic';
import { type EcgRecording, INDEPENDENT_LEADS, LEAD_NAMES, type LeadName } from './types';

const makeRecording = (options: { durationS?: number; samplingHz?: number; seed?: number } = {}) =>
  syntheticEcg({
    heartRateBpm: 72,
    prMs: 160,
    qrsMs: 90,
    qtMs: 380,
    axisDeg: 45,
    durationS: options.durationS ?? 10,
    samplingHz: options.samplingHz,
    noise: { mainsMv: 0.02, muscleMv: 0.01, wanderMv: 0.1 },
    seed: options.seed ?? 7,
  });
const RECORDING = makeRecording();
/** Default sensitivity: 2.5 µV per unit. */
const STEP_MV = 0.0025;

const CART = {
  heartRateBpm: 72,
  rrMs: 833,
  prMs: 158,
  qrsMs: 92,
  qtMs: 384,
  qtcMs: 420,
  pAxisDeg: 55,
  qrsAxisDeg: 44,
  tAxisDeg: 40,
  statements: ['Sinus rhythm', 'Normal ECG'],
};

function refusal(read: () => unknown): EcgFileError {
  try {
    read();
  } catch (error) {
    if (error instanceof EcgFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

function expectLeadsClose(file: EcgFile, recording: EcgRecording, tolerance: number): void {
  for (const lead of LEAD_NAMES) {
    const read = file.recording.leads[lead];
    const original = recording.leads[lead];
    expect(read).toHaveLength(original.length);
    let worst = 0;
    for (let k = 0; k < read.length; k++) worst = Math.max(worst, Math.abs(read[k] - original[k]));
    expect(worst).toBeLessThanOrEqual(tolerance);
  }
}

/** The multiplex group items of a dataset (its Waveform Sequence). */
function groupsOf(elements: DicomElement[]): DicomElement[][] {
  return elements.find((e) => e.tag === 0x54000100)?.value as DicomElement[][];
}

function replace(item: DicomElement[], tag: number, element: DicomElement | undefined): void {
  const at = item.findIndex((e) => e.tag === tag);
  if (at >= 0) item.splice(at, 1);
  if (element) item.push(element);
}

function labelOf(channel: DicomElement[]): string {
  return channel.find((e) => e.tag === 0x003a0203)?.value as string;
}

function channelsOf(group: DicomElement[]): DicomElement[][] {
  return group.find((e) => e.tag === 0x003a0200)?.value as DicomElement[][];
}

describe('writeDicomEcg → parseDicomEcg', () => {
  const options: DicomEcgWriteOptions = {
    accessionNumber: 'E20240301001',
    patientId: 'P-0042',
    patientName: '王^小红',
    patientBirthDate: '19600504',
    patientSex: 'F',
    studyInstanceUid: '1.2.826.0.1.3680043.10.1.1',
    seriesInstanceUid: '1.2.826.0.1.3680043.10.1.2',
    sopInstanceUid: '1.2.826.0.1.3680043.10.1.3',
    acquisitionDateTime: '2024-03-01T08:15:30+08:00',
    cart: CART,
    device: { manufacturer: 'Acme Cardio', model: 'Cart 12' },
  };

  it.each(['explicit-le', 'implicit-le', 'deflated'] as const)(
    'keeps the 12 leads within one step, the rate, identifiers, patient and cart (%s)',
    (transferSyntax) => {
      const file = parseDicomEcg(writeDicomEcg(RECORDING, { ...options, transferSyntax }));

      expect(file.format).toBe('dicom');
      expect(file.recording.samplingHz).toBe(500);
      expect(file.durationS).toBe(10);
      expect(file.derivedLeads).toEqual([]);
      expect(file.factorMv).toBeCloseTo(STEP_MV, 12);
      expectLeadsClose(file, RECORDING, STEP_MV / 2 + 1e-9);
      for (const lead of LEAD_NAMES)
        expect(Array.from(file.samples[lead], (s) => s * file.factorMv)).toEqual(
          Array.from(file.recording.leads[lead]),
        );
      expect(file).toMatchObject({
        sopClassUid: EcgSopClasses.TwelveLead,
        sopInstanceUid: options.sopInstanceUid,
        studyInstanceUid: options.studyInstanceUid,
        seriesInstanceUid: options.seriesInstanceUid,
        accessionNumber: 'E20240301001',
        patient: { id: 'P-0042', name: '王^小红', birthDate: '1960-05-04', sex: 'female' },
        acquiredAt: '2024-03-01T08:15:30+08:00',
        device: { manufacturer: 'Acme Cardio', model: 'Cart 12' },
        cart: CART,
      });
    },
  );

  it('codes each channel MDC (CID 3001) with its sensitivity in µV and measurements in MDC', () => {
    const dataSet = dicomParser.parseDicom(writeDicomEcg(RECORDING, { cart: CART }));
    expect(dataSet.string('x00080060')).toBe('ECG');
    const group = dataSet.elements.x54000100.items?.[0].dataSet as dicomParser.DataSet;
    expect(group.uint16('x003a0005')).toBe(12);
    expect(group.uint32('x003a0010')).toBe(5000);
    const channels = group.elements.x003a0200.items?.map((i) => i.dataSet as dicomParser.DataSet);
    const code = (ds: dicomParser.DataSet, tag: string) => {
      const item = ds.elements[tag].items?.[0].dataSet as dicomParser.DataSet;
      return `${item.string('x00080102')} ${item.string('x00080100')}`;
    };
    expect(channels?.map((c) => code(c, 'x003a0208'))).toEqual([
      'MDC 2:1',
      'MDC 2:2',
      'MDC 2:61',
      'MDC 2:62',
      'MDC 2:63',
      'MDC 2:64',
      'MDC 2:3',
      'MDC 2:4',
      'MDC 2:5',
      'MDC 2:6',
      'MDC 2:7',
      'MDC 2:8',
    ]);
    expect(channels?.map((c) => code(c, 'x003a0211'))).toEqual(Array(12).fill('UCUM uV'));
    expect(channels?.[0].floatString('x003a0210')).toBe(2.5);
    const annotations = dataSet.elements.x0040b020.items?.map((i) => i.dataSet);
    const concepts = annotations
      ?.filter((a) => a?.elements.x0040a043)
      .map((a) => code(a as dicomParser.DataSet, 'x0040a043'));
    expect(concepts).toEqual([
      'MDC 2:16770',
      'MDC 2:16000',
      'MDC 2:15872',
      'MDC 2:16156',
      'MDC 2:16160',
      'MDC 2:15876',
      'MDC 2:16128',
      'MDC 2:16132',
      'MDC 2:16136',
    ]);
  });

  it('derives III, aVR, aVL and aVF from I and II in a file with only the eight independent leads', () => {
    const file = parseDicomEcg(writeDicomEcg(RECORDING, { leads: [...INDEPENDENT_LEADS] }));
    expect(file.derivedLeads).toEqual(['III', 'aVR', 'aVL', 'aVF']);
    // Half the file's step, so that the augmented leads are whole samples.
    expect(file.factorMv).toBeCloseTo(STEP_MV / 2, 12);
    const { I, II, III, aVR, aVL, aVF } = file.samples;
    for (let k = 0; k < I.length; k += 97) {
      expect(III[k]).toBe(II[k] - I[k]);
      expect(2 * aVR[k] + I[k] + II[k]).toBe(0);
      expect(2 * aVL[k]).toBe(2 * I[k] - II[k]);
      expect(2 * aVF[k]).toBe(2 * II[k] - I[k]);
    }
    // Rounding I and II by half a step each can put a derived lead one step away.
    expectLeadsClose(file, RECORDING, STEP_MV + 1e-9);
  });

  it('accepts the General ECG class at 250 Hz', () => {
    const recording = makeRecording({ samplingHz: 250, durationS: 8 });
    const file = parseDicomEcg(writeDicomEcg(recording, { sopClassUid: EcgSopClasses.GeneralEcg }));
    expect(file.sopClassUid).toBe(EcgSopClasses.GeneralEcg);
    expect(file.recording.samplingHz).toBe(250);
    expect(file.durationS).toBe(8);
  });

  it('refuses to write a 12-lead object outside its IOD limits', () => {
    const long = makeRecording({ durationS: 40 });
    expect(() => writeDicomEcg(long)).toThrow(/General ECG/);
  });

  it('gives measureEcg the synthetic rate', () => {
    const file = parseDicomEcg(writeDicomEcg(RECORDING));
    expect(Math.abs(measureEcg(file.recording).heartRateBpm - 72)).toBeLessThanOrEqual(2);
  });
});

/** PS3.16 CID 3001, the SCP-ECG codes of the 12 leads. */
const SCPECG: Record<LeadName, string> = {
  I: '5.6.3-9-1',
  II: '5.6.3-9-2',
  V1: '5.6.3-9-3',
  V2: '5.6.3-9-4',
  V3: '5.6.3-9-5',
  V4: '5.6.3-9-6',
  V5: '5.6.3-9-7',
  V6: '5.6.3-9-8',
  III: '5.6.3-9-61',
  aVR: '5.6.3-9-62',
  aVL: '5.6.3-9-63',
  aVF: '5.6.3-9-64',
};

describe('parseDicomEcg on files from other carts', () => {
  it('identifies leads by SCPECG codes and by labels alone', () => {
    const scp = dicomEcgDataset(RECORDING);
    for (const channel of channelsOf(groupsOf(scp)[0])) {
      const source = (channel.find((e) => e.tag === 0x003a0208)?.value as DicomElement[][])[0];
      const lead = labelOf(channel) as LeadName;
      replace(source, 0x00080100, { tag: 0x00080100, vr: 'SH', value: SCPECG[lead] });
      replace(source, 0x00080102, { tag: 0x00080102, vr: 'SH', value: 'SCPECG' });
    }
    expectLeadsClose(parseDicomEcg(encodePart10(scp)), RECORDING, STEP_MV);

    const labelled = dicomEcgDataset(RECORDING);
    for (const channel of channelsOf(groupsOf(labelled)[0])) {
      const lead = labelOf(channel);
      replace(channel, 0x003a0208, undefined);
      replace(channel, 0x003a0203, { tag: 0x003a0203, vr: 'SH', value: `Lead ${lead}` });
    }
    expectLeadsClose(parseDicomEcg(encodePart10(labelled)), RECORDING, STEP_MV);
  });

  it('applies baseline and correction factor, and brings unequal sensitivities to one scale', () => {
    const elements = dicomEcgDataset(RECORDING, { sensitivityUv: 5, baseline: 100 });
    const channels = channelsOf(groupsOf(elements)[0]);
    // Lead I claims 10 µV nominal × 0.5 correction: the same 5 µV per unit.
    replace(channels[0], 0x003a0210, { tag: 0x003a0210, vr: 'DS', value: 10 });
    replace(channels[0], 0x003a0212, { tag: 0x003a0212, vr: 'DS', value: 0.5 });
    replace(channels[0], 0x003a0213, { tag: 0x003a0213, vr: 'DS', value: 200 });
    const file = parseDicomEcg(encodePart10(elements));
    expect(file.factorMv).toBeCloseTo(0.005, 12);
    expectLeadsClose(file, RECORDING, 0.0025 + 1e-9);

    // V1–V6 at 2.5 µV, the limb leads at 3 µV: requantised to 2.5 µV.
    const mixed = dicomEcgDataset(RECORDING);
    for (const channel of channelsOf(groupsOf(mixed)[0]).slice(0, 6))
      replace(channel, 0x003a0210, { tag: 0x003a0210, vr: 'DS', value: 3 });
    const requantised = parseDicomEcg(encodePart10(mixed));
    expect(requantised.factorMv).toBeCloseTo(STEP_MV, 12);
    expect(Array.from(requantised.samples.I, (s) => s * STEP_MV)).toEqual(
      Array.from(requantised.recording.leads.I),
    );
  });

  it('combines leads that a cart split over multiplex groups of one length', () => {
    const limbs = dicomEcgDataset(RECORDING, { leads: ['I', 'II', 'III', 'aVR', 'aVL', 'aVF'] });
    const chest = dicomEcgDataset(RECORDING, { leads: ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'] });
    groupsOf(limbs).push(groupsOf(chest)[0]);
    expectLeadsClose(parseDicomEcg(encodePart10(limbs)), RECORDING, STEP_MV / 2 + 1e-9);
  });

  it('reads the cart QTc coded by Bazett, with intervals in seconds', () => {
    const elements = dicomEcgDataset(RECORDING);
    elements.push({
      tag: 0x0040b020,
      vr: 'SQ',
      value: [
        [
          {
            tag: 0x0040a043,
            vr: 'SQ',
            value: [
              [
                { tag: 0x00080100, vr: 'SH', value: '2:15880' },
                { tag: 0x00080102, vr: 'SH', value: 'MDC' },
              ],
            ],
          },
          {
            tag: 0x004008ea,
            vr: 'SQ',
            value: [
              [
                { tag: 0x00080100, vr: 'SH', value: 's' },
                { tag: 0x00080102, vr: 'SH', value: 'UCUM' },
              ],
            ],
          },
          { tag: 0x0040a30a, vr: 'DS', value: 0.431 },
        ],
      ],
    });
    expect(parseDicomEcg(encodePart10(elements)).cart).toEqual({ qtcMs: 431 });
  });
});

describe('parseDicomEcg refusals', () => {
  it('refuses a CT image as not an ECG, naming what it is', () => {
    const error = refusal(() => parseDicomEcg(buildDicom({ modality: 'CT' }).bytes));
    expect(error.problem).toBe('not-ecg');
    expect(error.message).toMatch(/CT image/);
    expect(error.message).toContain('1.2.840.10008.5.1.4.1.1.2');
  });

  it('refuses random bytes and a file cut in half as corrupt', () => {
    const random = mulberry32(3);
    const noise = Buffer.from(Array.from({ length: 4000 }, () => Math.floor(random() * 256)));
    const error = refusal(() => parseDicomEcg(noise));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/not a DICOM file/);

    const whole = writeDicomEcg(RECORDING);
    const cut = refusal(() => parseDicomEcg(whole.subarray(0, whole.length / 2)));
    expect(cut.problem).toBe('corrupt');
    expect(cut.message).toMatch(/cut short|damaged/);
  });

  it('refuses a file without V3, naming the lead', () => {
    const leads = LEAD_NAMES.filter((lead) => lead !== 'V3');
    const error = refusal(() => parseDicomEcg(writeDicomEcg(RECORDING, { leads })));
    expect(error.problem).toBe('missing-leads');
    expect(error.message).toMatch(/no lead V3\b/);
  });

  it('refuses a file without waveform data', () => {
    const elements = dicomEcgDataset(RECORDING).filter((e) => e.tag !== 0x54000100);
    const error = refusal(() => parseDicomEcg(encodePart10(elements)));
    expect(error.problem).toBe('missing-leads');
    expect(error.message).toMatch(/no waveform/);
  });

  it('refuses waveform data shorter than its header announces', () => {
    const elements = dicomEcgDataset(RECORDING);
    const group = groupsOf(elements)[0];
    const data = group.find((e) => e.tag === 0x54001010)?.value as Buffer;
    replace(group, 0x54001010, { tag: 0x54001010, vr: 'OW', value: data.subarray(0, 24000) });
    const error = refusal(() => parseDicomEcg(encodePart10(elements)));
    expect(error.problem).toBe('inconsistent-samples');
    expect(error.message).toMatch(/24000 bytes.*120000/);
  });

  it('refuses leads split over multiplex groups of different lengths', () => {
    const limbs = dicomEcgDataset(RECORDING, { leads: ['I', 'II'] });
    const short = makeRecording({ durationS: 8 });
    const chest = dicomEcgDataset(short, { leads: ['V1', 'V2', 'V3', 'V4', 'V5', 'V6'] });
    groupsOf(limbs).push(groupsOf(chest)[0]);
    const error = refusal(() => parseDicomEcg(encodePart10(limbs)));
    expect(error.problem).toBe('inconsistent-samples');
    expect(error.message).toMatch(/5000 samples.*4000 samples/);
  });

  it('refuses an 8-bit waveform as unsupported', () => {
    const elements = dicomEcgDataset(RECORDING);
    const group = groupsOf(elements)[0];
    replace(group, 0x54001004, { tag: 0x54001004, vr: 'US', value: 8 });
    replace(group, 0x54001006, { tag: 0x54001006, vr: 'CS', value: 'SB' });
    replace(group, 0x54001010, { tag: 0x54001010, vr: 'OB', value: Buffer.alloc(12 * 5000) });
    const error = refusal(() => parseDicomEcg(encodePart10(elements)));
    expect(error.problem).toBe('unsupported');
    expect(error.message).toMatch(/8-bit/);
  });

  it('refuses a recording shorter than 4 s', () => {
    const short = makeRecording({ durationS: 2 });
    const error = refusal(() => parseDicomEcg(writeDicomEcg(short)));
    expect(error.problem).toBe('corrupt');
    expect(error.message).toMatch(/only 2\.0 s long/);
  });
});
