import iconv from 'iconv-lite';
import { Hl7v2Message } from '@hub/hl7v2';
import { oversizeAck, unavailableAck } from './mllp.listener';

describe('the ACK for a message the hub could not store', () => {
  it('answers AR with ERR 207 to the right control id, in the sender’s character set', () => {
    const raw = iconv.encode(
      'MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123||ORM^O01|C-77|P|2.5.1|||||CHN|GB 18030-2000\rPID|1||x||张^三',
      'gb18030',
    );
    const ack = Hl7v2Message.parse(iconv.decode(unavailableAck(raw), 'gb18030'));
    expect(ack.segment('MSA')?.get(1)).toBe('AR');
    expect(ack.segment('MSA')?.get(2)).toBe('C-77');
    expect(ack.segment('ERR')?.get(3)).toBe('207');
    expect(ack.segment('MSH')?.get(18)).toBe('GB 18030-2000');
  });

  it('still answers when the bytes are not HL7 at all', () => {
    const ack = Hl7v2Message.parse(unavailableAck(Buffer.from('garbage')).toString());
    expect(ack.segment('MSA')?.get(1)).toBe('AR');
  });
});

describe('the ACK for a message over the size limit', () => {
  it('answers AR to the control id read from its first bytes, saying the limit', () => {
    const head = Buffer.from(
      'MSH|^~\\&|HIS|CLINIC-A|HUB|HUB|20261123||ORU^R01|BIG-1|P|2.5.1\rOBX|1|TX|||' +
        'x'.repeat(500),
    );
    const ack = Hl7v2Message.parse(oversizeAck(head, 25_000_000, 10_485_760).toString());
    expect(ack.segment('MSA')?.get(1)).toBe('AR');
    expect(ack.segment('MSA')?.get(2)).toBe('BIG-1');
    expect(ack.segment('ERR')?.get(8)).toMatch(/25000000 bytes.*10485760 bytes/);
  });
});
