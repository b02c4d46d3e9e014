import { type Centre } from '@hub/contracts';
import { ConfigError } from '@hub/platform';
import { loadCentreConfig } from './centre-config';

describe('centre configuration', () => {
  it('gives each centre its own port variable and default', () => {
    expect(loadCentreConfig('lab', {}).port).toBe(3001);
    expect(loadCentreConfig('imaging', {}).port).toBe(3002);
    expect(loadCentreConfig('ecg', {}).port).toBe(3003);
    expect(loadCentreConfig('pathology', {}).port).toBe(3004);
    expect(loadCentreConfig('ecg', { ECG_PORT: '4003', LAB_PORT: '4001' }).port).toBe(4003);
  });

  it('keeps the common variables and the outbox poll interval', () => {
    const config = loadCentreConfig('lab', { REDIS_PREFIX: 'hubtest', OUTBOX_POLL_MS: '250' });
    expect(config).toMatchObject({
      centre: 'lab',
      REDIS_PREFIX: 'hubtest',
      OUTBOX_POLL_MS: 250,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hub',
    });
    expect(loadCentreConfig('lab', {}).OUTBOX_POLL_MS).toBe(500);
  });

  it('names every variable that is wrong', () => {
    expect(problems('pathology', { PATHOLOGY_PORT: 'eighty' })).toEqual([
      expect.stringMatching(/^PATHOLOGY_PORT is invalid/),
    ]);
    expect(problems('lab', { OUTBOX_POLL_MS: '0', REDIS_URL: 'http://x' })).toEqual([
      expect.stringMatching(/^REDIS_URL is invalid/),
      expect.stringMatching(/^OUTBOX_POLL_MS is invalid/),
    ]);
  });
});

function problems(centre: Centre, env: NodeJS.ProcessEnv): string[] {
  try {
    loadCentreConfig(centre, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}
