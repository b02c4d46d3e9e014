/**
 * Whose data a caller may see in the consortium record. A member clinic sees the resources owned
 * by its own organisation; consortium staff (centres, administrators) see everything they are
 * allowed to by role. Applied inside the SQL, never after the fact.
 */
export type AccessScope = { kind: 'all' } | { kind: 'orgs'; orgs: string[] };

export const fullAccess: AccessScope = { kind: 'all' };

export function orgScope(...orgs: string[]): AccessScope {
  return { kind: 'orgs', orgs };
}
