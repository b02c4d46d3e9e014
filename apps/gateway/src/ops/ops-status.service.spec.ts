import { overallStatus } from './ops-status.service';

describe('overallStatus', () => {
  const up = [{ status: 'up' as const }, { status: 'up' as const }];

  it('is up when the database, Redis and every app answer', () => {
    expect(overallStatus('up', 'up', up)).toBe('up');
  });

  it('is degraded while a centre does not answer', () => {
    expect(overallStatus('up', 'up', [...up, { status: 'down' }])).toBe('degraded');
  });

  it('is down without the database or Redis, whatever the centres say', () => {
    expect(overallStatus('down', 'up', up)).toBe('down');
    expect(overallStatus('up', 'down', [{ status: 'down' }])).toBe('down');
  });
});
