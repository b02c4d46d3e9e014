import { ConfigError } from '@hub/platform';
import { DEMO_JWT_SECRET, loadGatewayConfig } from './config';

describe('gateway configuration', () => {
  it('defaults to demo mode on port 3000 outside production', () => {
    const config = loadGatewayConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DEMO_MODE).toBe(true);
    expect(config.JWT_SECRET).toBe(DEMO_JWT_SECRET);
  });

  it('refuses to start in production with the default secret', () => {
    expect(() => loadGatewayConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('refuses demo mode in production', () => {
    expect(() =>
      loadGatewayConfig({ NODE_ENV: 'production', DEMO_MODE: 'true', JWT_SECRET: 'x'.repeat(40) }),
    ).toThrow(/DEMO_MODE/);
  });

  it('names an unknown centre', () => {
    expect(() => loadGatewayConfig({ CENTRES: 'lab,radiology' })).toThrow(ConfigError);
  });
});
