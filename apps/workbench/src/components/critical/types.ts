import { type PatientSummary } from '../lab/types';

/** What the gateway answers at `/api/critical-values` (see apps/gateway/src/critical-value). */

export interface CriticalFinding {
  code: string;
  display: string;
  displayZh: string;
  value?: number;
  unit?: string;
  flag?: 'LL' | 'HH';
  /** A reader's finding in words (imaging, ECG, pathology). */
  text?: string;
}

export interface OrganizationName {
  zh: string;
  en: string;
}

export interface CriticalAlert {
  id: string;
  centre: 'lab' | 'imaging' | 'ecg' | 'pathology';
  centreOrg: string;
  orderId: string;
  reportId: string;
  reportVersion: number;
  requesterOrg: string;
  finding: CriticalFinding;
  reportedBy: string;
  reportedByName?: string;
  reportedAt: string;
  raisedAt: string;
  status: 'open' | 'acknowledged';
  escalationLevel: number;
  acknowledgement?: { by: string; org: string; at: string; readBack: string };
  patient?: PatientSummary;
  centreName?: OrganizationName;
  requesterName?: OrganizationName;
}

export interface NotifiedContact {
  role: 'primary' | 'backup' | 'supervisor';
  org: string;
  name: string;
  phone?: string;
}

export interface CriticalAlertEvent {
  kind: 'raised' | 'escalated' | 'acknowledged' | 'acknowledgement-refused';
  at: string;
  actor: string;
  actorAccount?: string;
  actorOrg?: string;
  level?: number;
  notified: NotifiedContact[];
  communicationId?: string;
  readBack?: string;
  detail?: string;
}

export interface CriticalAlertDetail extends CriticalAlert {
  events: CriticalAlertEvent[];
}
