import { type CriticalFinding } from '@hub/contracts';
import {
  CommunicationCategorySystem,
  CriticalAlertSystem,
  criticalValueCommunication,
  criticalValueEscalationCommunication,
  describeFinding,
} from './communication';
import { type CriticalValueNotice } from './communication';

const potassium: CriticalFinding = {
  code: '2823-3',
  display: 'Potassium',
  displayZh: '钾',
  value: 6.8,
  unit: 'mmol/L',
  flag: 'HH',
};

const makeNotice = (overrides: Partial<CriticalValueNotice> = {}): CriticalValueNotice => ({
  alertId: 'a1',
  id: 'c1',
  subject: { reference: 'Patient/p1' },
  recipientOrganizationId: 'clinic-a',
  senderOrganizationId: 'lab',
  orderId: 'o1',
  reportId: 'r1',
  observationId: 'obs1',
  finding: potassium,
  sent: '2025-01-02T03:04:05.000Z',
  ...overrides,
});

describe('critical-value Communication', () => {
  it('is an in-progress stat alert from the centre to the ordering clinic about the result', () => {
    expect(criticalValueCommunication(makeNotice())).toEqual({
      resourceType: 'Communication',
      id: 'c1',
      identifier: [{ system: CriticalAlertSystem, value: 'a1' }],
      basedOn: [{ reference: 'ServiceRequest/o1' }],
      status: 'in-progress',
      category: [
        {
          coding: [{ system: CommunicationCategorySystem, code: 'alert', display: 'Alert' }],
          text: '危急值 critical value',
        },
      ],
      priority: 'stat',
      subject: { reference: 'Patient/p1' },
      about: [{ reference: 'Observation/obs1' }, { reference: 'DiagnosticReport/r1' }],
      sent: '2025-01-02T03:04:05.000Z',
      recipient: [{ reference: 'Organization/clinic-a' }],
      sender: { reference: 'Organization/lab' },
      payload: [
        {
          contentString:
            '危急值 Critical value: 钾 Potassium 6.8 mmol/L (HH) — 请立即处理并回读确认 / act now and read back',
        },
      ],
    });
  });

  it('is about the report alone for a reader-flagged finding, and says the finding in words', () => {
    const communication = criticalValueCommunication(
      makeNotice({
        observationId: undefined,
        finding: {
          code: 'ICH',
          display: 'Acute intracranial haemorrhage',
          displayZh: '急性颅内出血',
          text: '左侧基底节区急性出血约 30 ml',
        },
      }),
    );
    expect(communication.about).toEqual([{ reference: 'DiagnosticReport/r1' }]);
    expect(communication.payload?.[0].contentString).toBe(
      '危急值 Critical value: 急性颅内出血 Acute intracranial haemorrhage: 左侧基底节区急性出血约 30 ml — 请立即处理并回读确认 / act now and read back',
    );
  });

  it('does not repeat a text that only restates the display', () => {
    expect(describeFinding({ code: 'X', display: 'VF', displayZh: '室颤', text: '室颤' })).toBe(
      '室颤 VF',
    );
  });

  it('builds the escalation as part of the first Communication, naming who is called', () => {
    const escalation = criticalValueEscalationCommunication({
      ...makeNotice({ id: 'c2' }),
      level: 2,
      partOf: 'c1',
      unacknowledgedSeconds: 1200,
      notified: [
        { role: 'backup', org: 'CLINIC-A', name: '医务科 medical office', phone: '0571-1' },
        { role: 'supervisor', org: 'LAB', name: '值班主任 supervisor', phone: '0571-2' },
      ],
    });
    expect(escalation).toMatchObject({
      id: 'c2',
      status: 'in-progress',
      priority: 'stat',
      partOf: [{ reference: 'Communication/c1' }],
      recipient: [{ reference: 'Organization/clinic-a' }],
      identifier: [{ system: CriticalAlertSystem, value: 'a1' }],
    });
    expect(escalation.payload?.[0].contentString).toBe(
      '危急值第 2 次升级 Escalation 2: 20 分钟未确认 not acknowledged after 20 min. ' +
        '已通知 Notified: 医务科 medical office (CLINIC-A backup, 0571-1); 值班主任 supervisor (LAB supervisor, 0571-2). ' +
        '危急值 Critical value: 钾 Potassium 6.8 mmol/L (HH) — 请立即处理并回读确认 / act now and read back',
    );
  });

  it('says so when nobody is on record, and counts short periods in seconds', () => {
    const escalation = criticalValueEscalationCommunication({
      ...makeNotice(),
      level: 1,
      partOf: 'c1',
      unacknowledgedSeconds: 45,
      notified: [],
    });
    expect(escalation.payload?.[0].contentString).toMatch(
      /^危急值第 1 次升级 Escalation 1: 45 秒未确认 not acknowledged after 45 s\. 已通知 Notified: 无联系人记录 no contact on record\./,
    );
  });
});
