import { Hl7v2Message } from '@hub/hl7v2';
import { mapResultMessage } from './hl7-result.mapper';

describe('mapResultMessage', () => {
  it('maps a result message of 20,000 OBX rows, one result each (found by the fuzz suite)', () => {
    const obx = 'OBX|1|NM|2823-3^Potassium^LN||4.1|mmol/L|||||F|||20261123090000';
    const message = Hl7v2Message.parse(
      [
        'MSH|^~\\&|LIS|LAB|HUB|HUB|20261123093000+0800||ORU^R01^ORU_R01|R1|P|2.5.1',
        'OBR|1||HUB20261123000001|2823-3^Potassium^LN',
        ...new Array<string>(20_000).fill(obx),
      ].join('\r'),
    );
    const [group] = mapResultMessage(message);
    expect(group.fillerNumber).toBe('HUB20261123000001');
    expect(group.results).toHaveLength(20_000);
  });
});
