import {
  MAX_FIXATION_HOURS,
  blockLetters,
  byNumbering,
  fixationHours,
  receiptProblems,
  stainOf,
} from './case.rules';

const HOUR = 3_600_000;

describe('pathology case rules', () => {
  it('letters blocks A…Z, then AA, AB as more are cut', () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(blockLetters)).toEqual([
      'A',
      'B',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
    ]);
  });

  it('orders barcodes as they are numbered', () => {
    const barcodes = ['P1-10', 'P1-2', 'P1-1', 'P1-1-AA', 'P1-1-Z'];
    expect(barcodes.sort(byNumbering)).toEqual(['P1-1', 'P1-2', 'P1-10', 'P1-1-Z', 'P1-1-AA']);
  });

  it('knows HE, the special stains and IHC markers, in their canonical spelling', () => {
    expect(stainOf('HE')).toBe('HE');
    expect(stainOf('h&e')).toBe('HE');
    expect(stainOf('masson')).toBe('Masson');
    expect(stainOf('IHC:Ki-67')).toBe('IHC:Ki-67');
    expect(stainOf('ihc:PD-L1 (22C3)')).toBe('IHC:PD-L1 (22C3)');
    for (const bad of ['', 'IHC:', 'IHC: ', 'Magic', 'IHC:<script>', 'HE;DROP'])
      expect(stainOf(bad)).toBeUndefined();
  });

  it('finds over-fixation and a missing fixation time in fixed tissue, nothing in fresh tissue', () => {
    const receivedAt = new Date('2025-11-23T10:00:00Z');
    const fixed = (hours: number) => ({
      fixative: '10% NBF',
      fixationStartedAt: new Date(receivedAt.getTime() - hours * HOUR),
    });
    expect(receiptProblems(fixed(MAX_FIXATION_HOURS), receivedAt)).toEqual([]);
    expect(receiptProblems(fixed(72.5), receivedAt)).toEqual([
      expect.stringContaining('fixed 72.5 h before receipt, over the 72 h limit'),
    ]);
    expect(receiptProblems({ fixative: '10% NBF', fixationStartedAt: null }, receivedAt)).toEqual([
      expect.stringContaining('not recorded'),
    ]);
    expect(receiptProblems({ fixative: 'None', fixationStartedAt: null }, receivedAt)).toEqual([]);
    expect(fixationHours(fixed(26.44), receivedAt)).toBe(26.4);
  });
});
