import { z } from 'zod';
import { type Centre } from '@hub/contracts';
import { commonConfigSchema, configSchemas, parseConfig } from '@hub/platform';

/** Each centre's HTTP port variable and its default. */
export const CENTRE_PORTS: Record<Centre, { variable: string; port: number }> = {
  lab: { variable: 'LAB_PORT', port: 3001 },
  imaging: { variable: 'IMAGING_PORT', port: 3002 },
  ecg: { variable: 'ECG_PORT', port: 3003 },
  pathology: { variable: 'PATHOLOGY_PORT', port: 3004 },
};

export interface CentreConfig extends z.output<typeof commonConfigSchema> {
  centre: Centre;
  port: number;
  OUTBOX_POLL_MS: number;
}

/** Injection token of the parsed centre configuration. */
export const CENTRE_CONFIG = Symbol('CENTRE_CONFIG');

/** Parses a centre's configuration; throws ConfigError naming a bad variable. */
export function loadCentreConfig(
  centre: Centre,
  env: NodeJS.ProcessEnv = process.env,
): CentreConfig {
  const { variable, port } = CENTRE_PORTS[centre];
  const schema = commonConfigSchema.extend({
    [variable]: configSchemas.port.default(port),
    OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60000).default(500),
  });
  const parsed = parseConfig(schema, env) as z.output<typeof commonConfigSchema> &
    Record<string, unknown> & { OUTBOX_POLL_MS: number };
  return { ...parsed, centre, port: parsed[variable] as number };
}

/**
 * The message namespace for @MessagePattern decorators. Decorators are evaluated when the module
 * is imported, before configuration is parsed, so this reads the variable directly; the value is
 * validated with the rest of the configuration at boot.
 */
export function patternNamespace(): string {
  return process.env.REDIS_PREFIX || 'hub';
}
