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
    // The pathology centre sees the whole-slide images it sends, as a member sees its own.
    expect(scopeFor({ org: 'PATHOLOGY', roles: ['pathologist'] }, 'IMAGING')).toEqual({
      kind: 'org',
      org: 'PATHOLOGY',
      ownUploads: true,
    });
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
    const pathology = { kind: 'org' as const, org: 'PATHOLOGY', ownUploads: true };
    expect(scopeCondition({ ...clinic, scope: pathology }, 's', [])).toBe(
      '(s.requester_org = $1 OR (s.requester_org IS NULL AND s.uploaded_by_org = $1))',
    );
  });
});
