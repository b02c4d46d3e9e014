import { writeAecg } from './aecg';
import { writeDicomEcg } from './dicom-ecg';
import { EcgFileError, readEcgFile } from './ecg-file';
import { measureEcg } from './measure';
import { syntheticEcg } from './synthetic';

const RECORDING = syntheticEcg({
  heartRateBpm: 88,
  prMs: 150,
  qrsMs: 90,
  qtMs: 360,
  axisDeg: 60,
  durationS: 10,
  noise: { mainsMv: 0.05, muscleMv: 0.02, wanderMv: 0.2 },
  seed: 5,
});

describe('readEcgFile', () => {
  it.each([
    ['application/dicom', 'dicom', () => writeDicomEcg(RECORDING, { accessionNumber: 'A1' })],
    [
      'text/xml; charset=utf-8',
      'aecg',
      () => Buffer.from(writeAecg(RECORDING, { accessionNumber: 'A1' })),
    ],
    ['application/xml', 'aecg', () => Buffer.from(writeAecg(RECORDING, { accessionNumber: 'A1' }))],
  ])('reads %s as %s, and measureEcg finds the rate', (contentType, format, bytes) => {
    const file = readEcgFile(bytes(), contentType);
    expect(file.format).toBe(format);
    expect(file.accessionNumber).toBe('A1');
    expect(Math.abs(measureEcg(file.recording).heartRateBpm - 88)).toBeLessThanOrEqual(2);
  });

  it('refuses other content types, naming the ones it reads', () => {
    const read = () => readEcgFile(Buffer.from('%PDF-1.7'), 'application/pdf');
    expect(read).toThrow(EcgFileError);
    expect(read).toThrow(expect.objectContaining({ problem: 'unsupported' }) as Error);
    expect(read).toThrow(/"application\/pdf".*application\/dicom.*application\/xml/);
  });

  it('refuses a DICOM file sent as XML as corrupt', () => {
    const read = () => readEcgFile(writeDicomEcg(RECORDING), 'application/xml');
    expect(read).toThrow(expect.objectContaining({ problem: 'corrupt' }) as Error);
  });
});
