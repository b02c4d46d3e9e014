import { type Request } from 'express';
import { type Principal } from '../auth/principal';
import { type AccessScope } from '../fhir/access-scope';

/** Who is acting, from where and why: what an AuditEvent records about the agent. */
export interface AuditAgent {
  subject: string;
  kind: 'client' | 'user' | 'system';
  org?: string;
  roles: string[];
  ip?: string;
  /** v3 PurposeOfUse code (TREAT, HOPERAT, …). */
  purpose?: string;
}

/**
 * What the repository needs to serve a caller: the part of the record they may see (applied in
 * SQL) and who they are (written to the audit trail by the repository, where data is accessed).
 */
export interface Accessor {
  scope: AccessScope;
  agent: AuditAgent;
}

/** PurposeOfUse codes a caller may declare with `X-Purpose-Of-Use`. */
export const PURPOSES = [
  'TREAT',
  'ETREAT',
  'HOPERAT',
  'HPAYMT',
  'PATRQT',
  'HQUALIMP',
  'LEGAL',
  'PUBHLTH',
] as const;

/** The audit agent for an HTTP request by an authenticated principal. */
export function agentFor(principal: Principal, request: Request): AuditAgent {
  const declared = String(request.headers['x-purpose-of-use'] ?? '').toUpperCase();
  const purpose = (PURPOSES as readonly string[]).includes(declared)
    ? declared
    : principal.roles.some((r) => r === 'admin' || r === 'it-ops')
      ? 'HOPERAT'
      : 'TREAT';
  return {
    subject: principal.subject,
    kind: principal.kind,
    org: principal.org,
    roles: principal.roles,
    ip: request.ip,
    purpose,
  };
}

/** The hub itself acting on a centre's behalf (storing a report, moving a Task). */
export function systemAgent(subject: string, org?: string): AuditAgent {
  return { subject, kind: 'system', org, roles: [], purpose: 'HOPERAT' };
}
