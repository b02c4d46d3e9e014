import { auditText } from './audit.service';

describe('auditText', () => {
  it('keeps a reason that quotes a NUL byte storable (found by the fuzz suite: it was a 500)', () => {
    expect(auditText('The file is not well-formed XML (char \u0000 at line 1)')).toBe(
      'The file is not well-formed XML (char \uFFFD at line 1)',
    );
  });

  it('masks identity numbers', () => {
    expect(auditText('110105194912310021 is not valid')).not.toContain('110105194912310021');
  });
});
