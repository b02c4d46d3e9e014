/** Roles of the hub's callers. The written access matrix is in docs/architecture.md. */
export const Roles = [
  'clinic-system',
  'clinic-doctor',
  'lab-tech',
  'lab-doctor',
  'radiologist',
  'cardiologist',
  'pathologist',
  'it-ops',
  /** Consortium management (医共体管理): aggregate figures only, no patient data. */
  'manager',
  'admin',
] as const;
export type Role = (typeof Roles)[number];

/** Roles whose holders work at a member clinic and see only their own organisation's data. */
export const CLINIC_ROLES: readonly Role[] = ['clinic-system', 'clinic-doctor'];
/** Roles of consortium staff who work with patient data across members. */
export const CENTRE_ROLES: readonly Role[] = [
  'lab-tech',
  'lab-doctor',
  'radiologist',
  'cardiologist',
  'pathologist',
];

/** Who is calling, as carried in the bearer token. */
export interface Principal {
  kind: 'client' | 'user';
  /** client_id or username. */
  subject: string;
  /** Organisation code of the caller (CLINIC-A, LAB, …). */
  org: string;
  roles: Role[];
  /** False for a trainee: their reports need a licensed senior's confirmation. */
  licensed: boolean;
}

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((role) => roles.includes(role));
}
