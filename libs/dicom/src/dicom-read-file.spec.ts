import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DicomParseError, parseInstance } from './dicom-parse';
import { readInstanceFile } from './dicom-read-file';
import { type TransferSyntaxName, buildDicom } from './dicom-writer';

describe('readInstanceFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dicom-read-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Every file counts as large, and the first read is smaller than any header: the header is
  // found by growing the read, as it is for a 1 GB whole-slide image.
  const asLarge = { wholeFileMax: 0, firstRead: 512 };

  function write(name: string, bytes: Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  function build(transferSyntax: TransferSyntaxName): Buffer {
    return Buffer.from(
      buildDicom({
        transferSyntax,
        rows: 64,
        columns: 64,
        frames: 3,
        patientName: '张^三',
        specificCharacterSet: 'ISO_IR 192',
        // A private blob before the Pixel Data: bulk data the header parse must still place.
        extra: { '00091010': { vr: 'OB', value: Buffer.alloc(3000, 7) } },
      }).bytes,
    );
  }

  it.each<TransferSyntaxName>([
    'explicit-le',
    'implicit-le',
    'explicit-be',
    'rle',
    'jpeg-baseline',
  ])(
    'reads a large %s file up to its Pixel Data and finds what a whole-file parse finds',
    async (transferSyntax) => {
      const bytes = build(transferSyntax);
      const whole = parseInstance(bytes);
      const { parsed, whole: readWhole } = await readInstanceFile(
        write(`${transferSyntax}.dcm`, bytes),
        asLarge,
      );
      expect(readWhole).toBe(false);
      expect(parsed.bytes.length).toBeLessThan(bytes.length);
      expect(parsed.dataset).toEqual(whole.dataset);
      expect(parsed.bulkData).toEqual(whole.bulkData);
      expect(parsed.image).toEqual(whole.image);
      expect(parsed.encapsulated).toBe(whole.encapsulated);
      expect({ ...parsed.pixelData, fragments: undefined, basicOffsetTable: undefined }).toEqual({
        offset: whole.pixelData?.offset,
        length: whole.pixelData?.length,
        fragments: undefined,
        basicOffsetTable: undefined,
      });
      expect(parsed.sopInstanceUid).toBe(whole.sopInstanceUid);
      expect(parsed.transferSyntaxUid).toBe(whole.transferSyntaxUid);
    },
  );

  it('reads a small file whole', async () => {
    const bytes = build('explicit-le');
    const { parsed, whole } = await readInstanceFile(write('small.dcm', bytes));
    expect(whole).toBe(true);
    expect(parsed.bytes.equals(bytes)).toBe(true);
  });

  it.each<TransferSyntaxName>(['explicit-le', 'rle'])(
    'refuses a large %s file cut inside its Pixel Data as truncated',
    async (transferSyntax) => {
      const bytes = build(transferSyntax);
      const path = write(`cut-${transferSyntax}.dcm`, bytes.subarray(0, bytes.length - 100));
      const refusal = await readInstanceFile(path, asLarge).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(DicomParseError);
      expect((refusal as DicomParseError).reason).toMatch(/truncated/);
    },
  );

  it('refuses a large file that is not DICOM', async () => {
    const path = write('junk.bin', Buffer.alloc(4096, 0x41));
    const refusal = await readInstanceFile(path, asLarge).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DicomParseError);
    expect((refusal as DicomParseError).reason).toMatch(/DICM/);
  });

  it('refuses a large file whose header is cut short, as a whole-file parse does', async () => {
    const bytes = build('explicit-le');
    const path = write('header-cut.dcm', bytes.subarray(0, 1500));
    const refusal = await readInstanceFile(path, asLarge).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DicomParseError);
  });
});
