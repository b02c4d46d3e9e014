import { resolve } from 'node:path';
import { ConfigError, DEMO_JWT_SECRET } from '@hub/platform';
import { loadImagingConfig } from './imaging-config';

describe('imaging configuration', () => {
  it('keeps the archive under .run/data/imaging with the demo secret outside production', () => {
    const config = loadImagingConfig({});
    expect(config.DATA_DIR).toBe(resolve('.run/data/imaging'));
    expect(config.JWT_SECRET).toBe(DEMO_JWT_SECRET);
    expect(config.IMAGING_ORG_CODE).toBe('IMAGING');
    expect(config.PUBLIC_URL).toBeUndefined();
  });

  it('refuses the demo secret in production', () => {
    expect(() => loadImagingConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(
      loadImagingConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) }).JWT_SECRET,
    ).toBe('s'.repeat(40));
  });

  it('names a short secret and a bad public URL', () => {
    try {
      loadImagingConfig({ JWT_SECRET: 'short', PUBLIC_URL: 'ftp://hub' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^JWT_SECRET is invalid/),
        expect.stringMatching(/^PUBLIC_URL is invalid/),
      ]);
    }
  });

  it('drops a trailing slash from the public URL', () => {
    expect(loadImagingConfig({ PUBLIC_URL: 'https://hub.example.cn/' }).PUBLIC_URL).toBe(
      'https://hub.example.cn',
    );
  });
});
