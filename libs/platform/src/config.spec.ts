import { z } from 'zod';
import {
  ConfigError,
  commonConfigSchema,
  configSchemas,
  parseConfig,
  redisOptions,
} from './config';

describe('parseConfig', () => {
  const schema = commonConfigSchema.extend({ PORT: configSchemas.port.default(3000) });

  it('applies the documented defaults', () => {
    const config = parseConfig(schema, {});
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/hub');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.PORT).toBe(3000);
  });

  it('names the variable that is wrong', () => {
    expect(() => parseConfig(schema, { PORT: 'eighty' })).toThrow(/PORT is invalid/);
    expect(() => parseConfig(schema, { DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL is invalid/,
    );
  });

  it('names a required variable that is missing', () => {
    const strict = z.object({ JWT_SECRET: z.string().min(32) });
    try {
      parseConfig(strict, { JWT_SECRET: '' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]).toMatch(/^JWT_SECRET is missing/);
    }
  });

  it('reads redis URLs with a database index', () => {
    expect(redisOptions('redis://:pw@10.0.0.5:6380/3')).toMatchObject({
      host: '10.0.0.5',
      port: 6380,
      password: 'pw',
      db: 3,
    });
  });
});
