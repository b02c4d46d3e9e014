import { type Accessor, scopeCondition, scopeFor } from './accessor';

describe('who sees what in the archive', () => {
  it('gives administrators and the imaging centre everything, clinics their own, others nothing', () => {
    expect(scopeFor({ org: 'HUB', roles: ['admin'] }, 'IMAGING')).toEqual({ kind: 'all' });
    expect(scopeFor({ org: 'IMAGING', roles: ['radiologist'] }, 'IMAGING')).toEqual({
      kind: 'all',
    });
    expect(scopeFor({ org: 'CLINIC-A', roles: ['clinic-doctor'] }, 'IMAGING')).toEqual({
      kind: 'org',
      org: 'CLINIC-A',
    });
    expect(scopeFor({ org: 'HUB', roles: ['it-ops'] }, 'IMAGING')).toBeUndefined();
    expect(scopeFor({ org: 'LAB', roles: ['lab-doctor'] }, 'IMAGING')).toBeUndefined();
  });

  it('filters a clinic in the SQL by its organisation', () => {
    const clinic: Accessor = {
      subject: 'clinic-a',
      org: 'CLINIC-A',
      roles: ['clinic-system'],
      scope: { kind: 'org', org: 'CLINIC-A' },
    };
    const params: unknown[] = ['x'];
    expect(scopeCondition(clinic, 's', params)).toBe('s.requester_org = $2');
    expect(params).toEqual(['x', 'CLINIC-A']);
    expect(scopeCondition({ ...clinic, scope: { kind: 'all' } }, 's', [])).toBe('TRUE');
  });
});
