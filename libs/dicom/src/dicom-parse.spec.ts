import { PNG } from 'pngjs';
import { TransferSyntaxes, Tags } from './dicom-json';
import { DicomParseError, frameBytes, parseInstance } from './dicom-parse';
import { renderFrame } from './dicom-render';
import { type TransferSyntaxName, buildDicom } from './dicom-writer';

const value = (parsed: ReturnType<typeof parseInstance>, tag: string) =>
  parsed.dataset[tag]?.Value?.[0];

describe('parseInstance', () => {
  const syntaxes: Array<[TransferSyntaxName, string]> = [
    ['explicit-le', TransferSyntaxes.ExplicitVRLittleEndian],
    ['implicit-le', TransferSyntaxes.ImplicitVRLittleEndian],
    ['explicit-be', TransferSyntaxes.ExplicitVRBigEndian],
    ['deflated', TransferSyntaxes.DeflatedExplicitVRLittleEndian],
    ['jpeg-baseline', TransferSyntaxes.JpegBaseline],
    ['rle', TransferSyntaxes.RleLossless],
    ['jpeg2000', TransferSyntaxes.Jpeg2000Lossless],
  ];

  it.each(syntaxes)('reads the identity and header of %s', (transferSyntax, uid) => {
    const built = buildDicom({
      transferSyntax,
      accessionNumber: 'I261123000001',
      patientId: 'MRN-1',
      modality: 'CT',
      studyDate: '20261123',
      frames: 2,
    });
    const parsed = parseInstance(built.bytes);
    expect(parsed.transferSyntaxUid).toBe(
      transferSyntax === 'jpeg2000' ? built.transferSyntaxUid : uid,
    );
    expect(parsed).toMatchObject({
      sopInstanceUid: built.sopInstanceUid,
      seriesInstanceUid: built.seriesInstanceUid,
      studyInstanceUid: built.studyInstanceUid,
      sopClassUid: built.sopClassUid,
    });
    expect(value(parsed, Tags.AccessionNumber)).toBe('I261123000001');
    expect(value(parsed, Tags.Modality)).toBe('CT');
    expect(parsed.dataset[Tags.StudyDate]).toEqual({ vr: 'DA', Value: ['20261123'] });
    expect(parsed.dataset[Tags.Rows]).toEqual({ vr: 'US', Value: [64] });
    expect(parsed.dataset[Tags.NumberOfFrames]).toEqual({ vr: 'IS', Value: [2] });
    expect(parsed.dataset[Tags.PixelData]).toBeUndefined();
    expect(parsed.image?.numberOfFrames).toBe(2);
    expect(frameBytes(parsed, 2).length).toBeGreaterThan(0);
    expect(() => frameBytes(parsed, 3)).toThrow(RangeError);
  });

  it('decodes a Chinese name by its character set, as a DICOM JSON person name', () => {
    for (const charset of ['GB18030', 'ISO_IR 192']) {
      const parsed = parseInstance(
        buildDicom({ patientName: '欧阳^娜娜', specificCharacterSet: charset }).bytes,
      ).dataset;
      expect(parsed[Tags.PatientName]).toEqual({ vr: 'PN', Value: [{ Alphabetic: '欧阳^娜娜' }] });
    }
  });

  it('gives native frames as exactly one frame of pixels', () => {
    const parsed = parseInstance(buildDicom({ frames: 3, rows: 8, columns: 10 }).bytes);
    expect(frameBytes(parsed, 1)).toHaveLength(8 * 10 * 2);
    expect(frameBytes(parsed, 1).equals(frameBytes(parsed, 2))).toBe(false);
  });

  it('refuses what is not DICOM, a truncated file and a file without its SOP Instance UID', () => {
    expect(() => parseInstance(Buffer.from('not DICOM at all'))).toThrow(DicomParseError);
    const bytes = buildDicom().bytes;
    expect(() => parseInstance(bytes.subarray(0, bytes.length - 100))).toThrow(/truncated/);
    // Turn (0008,0018) into (0008,0017): the file parses but has no SOP Instance UID.
    const tag = Buffer.from([0x08, 0x00, 0x18, 0x00, 0x55, 0x49]);
    const copy = Buffer.from(bytes);
    const at = copy.indexOf(tag, 132 + 12);
    copy[at + 2] = 0x17;
    expect(() => parseInstance(copy)).toThrow(/SOP Instance UID \(0008,0018\) is missing/);
  });
});

describe('renderFrame', () => {
  const size = (data: Buffer) => {
    const png = PNG.sync.read(data);
    return [png.width, png.height];
  };

  it('renders native greyscale with the requested window, big-endian too', () => {
    for (const transferSyntax of ['explicit-le', 'explicit-be'] as const) {
      const parsed = parseInstance(
        buildDicom({ transferSyntax, rows: 16, columns: 32, pixel: (_f, _r, c) => c * 100 }).bytes,
      );
      const png = renderFrame(parsed, 1, { windowCenter: 1550, windowWidth: 3100 });
      expect(png.contentType).toBe('image/png');
      const image = PNG.sync.read(png.data);
      expect([image.width, image.height]).toEqual([32, 16]);
      // Column 0 is the window's bottom (black), the last column near its top (white).
      expect(image.data[0]).toBe(0);
      expect(image.data[31 * 4]).toBeGreaterThan(240);
    }
  });

  it('renders RLE, JPEG baseline and RGB frames, and JPEG on request', () => {
    const rle = parseInstance(buildDicom({ transferSyntax: 'rle', frames: 2 }).bytes);
    expect(size(renderFrame(rle, 2).data)).toEqual([64, 64]);
    const jpeg = parseInstance(buildDicom({ transferSyntax: 'jpeg-baseline', frames: 2 }).bytes);
    expect(size(renderFrame(jpeg, 1).data)).toEqual([64, 64]);
    expect(renderFrame(jpeg, 1, { format: 'jpeg' }).contentType).toBe('image/jpeg');
    const rgb = parseInstance(buildDicom({ photometric: 'RGB' }).bytes);
    expect(size(renderFrame(rgb, 1).data)).toEqual([64, 64]);
  });

  it('says so when a compression cannot be rendered here', () => {
    const j2k = parseInstance(buildDicom({ transferSyntax: 'jpeg2000' }).bytes);
    expect(() => renderFrame(j2k, 1)).toThrow(DicomParseError);
  });
});
