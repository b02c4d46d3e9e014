import type { Communication, Reference } from 'fhir/r4';
import { type CriticalFinding } from '@hub/contracts';
import { type NotifiedContact } from './contacts';

/** FHIR communication-category code system (the alert category). */
export const CommunicationCategorySystem =
  'http://terminology.hl7.org/CodeSystem/communication-category';

/** Identifier system of the hub's critical-value alerts: every Communication of an alert carries it. */
export const CriticalAlertSystem = 'urn:hub:critical-alert';

/** What a critical-value Communication says and to whom. */
export interface CriticalValueNotice {
  alertId: string;
  /** The Communication's id (the alert records it before the resource is stored). */
  id?: string;
  subject: Reference;
  /** Organization resource id of the ordering member (the recipient). */
  recipientOrganizationId: string;
  /** Organization resource id of the centre that released the report (the sender). */
  senderOrganizationId: string;
  orderId: string;
  reportId: string;
  observationId?: string;
  finding: CriticalFinding;
  /** ISO time it is sent. */
  sent: string;
}

/** An escalation of an unacknowledged alert. */
export interface CriticalValueEscalationNotice extends CriticalValueNotice {
  /** 1 for the first escalation. */
  level: number;
  /** Id of the alert's first Communication. */
  partOf: string;
  /** Seconds the alert has gone unacknowledged. */
  unacknowledgedSeconds: number;
  /** Who is called now: the member's backup contact and the centre's supervisor. */
  notified: NotifiedContact[];
}

/**
 * The finding in one line, Chinese first: `钾 Potassium 6.8 mmol/L (HH)`, or for a finding in words
 * `急性颅内出血 Acute intracranial haemorrhage: <text>`.
 */
export function describeFinding(finding: CriticalFinding): string {
  const name = `${finding.displayZh} ${finding.display}`;
  if (finding.value !== undefined) {
    const unit = finding.unit ? ` ${finding.unit}` : '';
    const flag = finding.flag ? ` (${finding.flag})` : '';
    return `${name} ${finding.value}${unit}${flag}`;
  }
  const text = finding.text?.trim();
  return text && text !== finding.displayZh && text !== finding.display ? `${name}: ${text}` : name;
}

/** The message of a critical value alert, as the clinic reads it. */
export function criticalValueMessage(finding: CriticalFinding): string {
  return `危急值 Critical value: ${describeFinding(finding)} — 请立即处理并回读确认 / act now and read back`;
}

/**
 * The FHIR R4 Communication telling the ordering member of a critical value: in progress until
 * acknowledged, category alert, priority stat, about the Observation (when there is one) and the
 * DiagnosticReport.
 */
export function criticalValueCommunication(notice: CriticalValueNotice): Communication {
  return {
    resourceType: 'Communication',
    ...(notice.id ? { id: notice.id } : {}),
    identifier: [{ system: CriticalAlertSystem, value: notice.alertId }],
    basedOn: [{ reference: `ServiceRequest/${notice.orderId}` }],
    status: 'in-progress',
    category: [
      {
        coding: [{ system: CommunicationCategorySystem, code: 'alert', display: 'Alert' }],
        text: '危急值 critical value',
      },
    ],
    priority: 'stat',
    subject: notice.subject,
    about: [
      ...(notice.observationId ? [{ reference: `Observation/${notice.observationId}` }] : []),
      { reference: `DiagnosticReport/${notice.reportId}` },
    ],
    sent: notice.sent,
    recipient: [{ reference: `Organization/${notice.recipientOrganizationId}` }],
    sender: { reference: `Organization/${notice.senderOrganizationId}` },
    payload: [{ contentString: criticalValueMessage(notice.finding) }],
  };
}

/**
 * The Communication of an escalation: the same alert, again to the ordering member, part of the
 * first Communication, saying how long it has gone unacknowledged and who is being called.
 */
export function criticalValueEscalationCommunication(
  notice: CriticalValueEscalationNotice,
): Communication {
  const base = criticalValueCommunication(notice);
  const notified = notice.notified.length
    ? notice.notified.map((c) => `${c.name} (${c.org} ${c.role}, ${c.phone})`).join('; ')
    : '无联系人记录 no contact on record';
  const { zh, en } = duration(notice.unacknowledgedSeconds);
  const text =
    `危急值第 ${notice.level} 次升级 Escalation ${notice.level}: ${zh}未确认 not acknowledged after ${en}. ` +
    `已通知 Notified: ${notified}. ${criticalValueMessage(notice.finding)}`;
  return {
    ...base,
    partOf: [{ reference: `Communication/${notice.partOf}` }],
    reasonCode: [{ text: `危急值未确认升级 unacknowledged critical value, level ${notice.level}` }],
    payload: [{ contentString: text }],
  };
}

function duration(seconds: number): { zh: string; en: string } {
  if (seconds % 60 === 0) return { zh: `${seconds / 60} 分钟`, en: `${seconds / 60} min` };
  return { zh: `${seconds} 秒`, en: `${seconds} s` };
}
