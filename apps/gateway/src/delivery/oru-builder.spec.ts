import type { DiagnosticReport, Patient, ServiceRequest } from 'fhir/r4';
import { Hl7v2Message } from '@hub/hl7v2';
import { buildOrderStatus, buildOru } from './oru-builder';

const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:hub:mrn:CLINIC-A', value: 'MRN-1' }],
  name: [{ family: '欧阳', given: ['娜娜'] }],
  gender: 'female',
  birthDate: '1962-03-15',
};
const order: ServiceRequest = {
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p' },
  identifier: [
    { type: { coding: [{ code: 'PLAC' }] }, value: 'P-1' },
    { type: { coding: [{ code: 'FILL' }] }, value: 'HUB20261123000001' },
  ],
  code: { coding: [{ system: 'urn:hub:catalogue', code: 'IMG-CT-HEAD', display: 'CT head' }] },
};
const receiver = { facility: 'CLINIC-A', charset: 'UNICODE UTF-8' };

describe('messages to a member system', () => {
  it('carries an imaging report’s findings and impression as formatted text, amended as C', () => {
    const text = '检查所见 Findings:\n硬膜下血肿\n\n诊断意见 Impression:\n急性硬膜下血肿';
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'amended',
      code: order.code!,
      conclusion: '急性硬膜下血肿',
      presentedForm: [
        { contentType: 'text/plain; charset=utf-8', data: Buffer.from(text).toString('base64') },
      ],
    };
    const message = Hl7v2Message.parse(
      buildOru({
        controlId: 'C1',
        receiver,
        patient,
        order,
        report,
        observations: [],
        correction: true,
      }),
    );
    const obx = message.segment('OBX');
    expect(obx?.get(2)).toBe('FT');
    expect(obx?.get(5)).toBe(text);
    expect(obx?.get(11)).toBe('C');
    expect(message.segment('OBR')?.get(25)).toBe('C');
    expect(message.segment('NTE')?.get(3)).toBe('急性硬膜下血肿');
  });

  it('carries the HR recognition mark of a recognized report, and no mark otherwise', () => {
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: order.code!,
      conclusion: '窦性心律',
      meta: { tag: [{ system: 'urn:hub:recognition', code: 'HR' }] },
    };
    const oru = (r: DiagnosticReport) =>
      Hl7v2Message.parse(
        buildOru({
          controlId: 'C2',
          receiver,
          patient,
          order,
          report: r,
          observations: [],
          correction: false,
        }),
      ).segments('NTE');
    const marked = oru(report);
    expect(marked.map((nte) => [nte.get(1), nte.get(2)])).toEqual([
      ['1', 'L'],
      ['2', 'RE'],
    ]);
    expect(marked[1].get(3)).toMatch(/^HR 检查检验结果互认/);
    expect(oru({ ...report, meta: {} })).toHaveLength(1);
  });

  it('tells the clinic an order is on hold with the reason and the accession number', () => {
    const message = Hl7v2Message.parse(
      buildOrderStatus({
        controlId: 'S1',
        receiver,
        patient,
        order,
        status: 'on-hold',
        reason: '运输超时 transport time exceeded',
        accession: 'L261123000001',
      }),
    );
    expect(message.messageType).toBe('ORM^O01');
    expect(message.segment('ORC')?.get(1)).toBe('SC');
    expect(message.segment('ORC')?.get(5)).toBe('HD');
    expect(message.segment('ORC')?.get(16, 2)).toBe('运输超时 transport time exceeded');
    expect(message.segment('OBR')?.get(20)).toBe('L261123000001');
    expect(message.segment('PID')?.get(5)).toBe('欧阳');
  });
});
