import iconv from 'iconv-lite';
import { maskedText } from './hl7-message-log.service';

describe('maskedText (the message log view)', () => {
  const message = [
    'MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123||ORM^O01|C1|P|2.5.1|||||CHN|GB 18030-2000',
    'PID|1||11010519491231002X^^^&2.16.156.10011.1.3&ISO^NNCHN||欧阳^娜娜||19491231|F',
    'ORC|NW|P-1',
  ].join('\r');

  it('masks identity numbers and patient names, in the character set the message declared', () => {
    const text = maskedText(iconv.encode(message, 'gb18030'));
    expect(text).not.toContain('11010519491231002X');
    expect(text).toContain('110105********002X');
    expect(text).not.toMatch(/欧阳|娜娜/);
    expect(text).toContain(
      'PID|1||110105********002X^^^&2.16.156.10011.1.3&ISO^NNCHN||欧*^**||19491231|F',
    );
    expect(text).toContain('ORC|NW|P-1');
  });

  it('still masks identity numbers in what is not HL7 at all', () => {
    expect(maskedText(Buffer.from('garbage 11010519491231002X'))).toBe(
      'garbage 110105********002X',
    );
  });
});
