import iconv from 'iconv-lite';

/** MSH-18 character set names (HL7 table 0211 and common variants seen from Chinese HIS). */
const CHARSETS: Record<string, string> = {
  '': 'utf-8',
  'UNICODE UTF-8': 'utf-8',
  'UTF-8': 'utf-8',
  UTF8: 'utf-8',
  ASCII: 'utf-8',
  'GB 18030-2000': 'gb18030',
  'GB18030-2000': 'gb18030',
  GB18030: 'gb18030',
  'GB 18030': 'gb18030',
  GBK: 'gbk',
  CP936: 'gbk',
  'GB 2312': 'gbk',
  GB2312: 'gbk',
  'ISO IR58': 'gbk',
  '8859/1': 'latin1',
};

export class UnsupportedCharsetError extends Error {
  constructor(readonly charset: string) {
    super(`character set "${charset}" in MSH-18 is not supported`);
  }
}

/**
 * The encoding a message declares in MSH-18, read from the raw bytes (MSH is ASCII in every
 * supported character set). Returns the iconv-lite name and the MSH-18 value as sent.
 */
export function declaredCharset(raw: Buffer): { encoding: string; declared: string } {
  const end = raw.indexOf(0x0d);
  const msh = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  if (!msh.startsWith('MSH') || msh.length < 4) return { encoding: 'utf-8', declared: '' };
  const separator = msh[3];
  // MSH-1 is the separator itself, so MSH-18 is element 17 of the split.
  const declared = (msh.split(separator)[17] ?? '').split(msh[4] ?? '^')[0].trim();
  const encoding = CHARSETS[declared.toUpperCase()];
  if (!encoding) throw new UnsupportedCharsetError(declared);
  return { encoding, declared };
}

export function decode(raw: Buffer, encoding: string): string {
  return iconv.decode(raw, encoding);
}

export function encode(text: string, encoding: string): Buffer {
  return iconv.encode(text, encoding);
}
