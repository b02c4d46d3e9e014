import { z } from 'zod';
import { type Centre, type MessageName, centrePattern } from '@hub/contracts';
import { type CommonConfig, commonConfigSchema, configSchemas, parseConfig } from '@hub/platform';

/** Each centre's HTTP port: the variable that sets it and its default. */
export const CentrePorts = {
  lab: { variable: 'LAB_PORT', defaultPort: 3001 },
  imaging: { variable: 'IMAGING_PORT', defaultPort: 3002 },
  ecg: { variable: 'ECG_PORT', defaultPort: 3003 },
  pathology: { variable: 'PATHOLOGY_PORT', defaultPort: 3004 },
} as const satisfies Record<Centre, { variable: string; defaultPort: number }>;

const centreVariables = commonConfigSchema.extend({
  /** How often the outbox relay looks for rows no kick relayed (written while Redis was down). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
});

/**
 * The environment a centre app reads: the common variables, `OUTBOX_POLL_MS` and its own HTTP port
 * variable (`LAB_PORT`, `IMAGING_PORT`, `ECG_PORT` or `PATHOLOGY_PORT`).
 */
export function centreConfigSchema(centre: Centre) {
  const { variable, defaultPort } = CentrePorts[centre];
  return centreVariables.and(z.object({ [variable]: configSchemas.port.default(defaultPort) }));
}

/** A centre app's parsed configuration. */
export interface CentreConfig extends CommonConfig {
  centre: Centre;
  /** The HTTP port, from the centre's own port variable. */
  port: number;
  OUTBOX_POLL_MS: number;
}

/** Injection token of the parsed {@link CentreConfig}. */
export const CENTRE_CONFIG = Symbol('CENTRE_CONFIG');

/**
 * Parses a centre's configuration from `env`.
 * @throws ConfigError naming every missing or bad variable.
 */
export function loadCentreConfig(
  centre: Centre,
  env: NodeJS.ProcessEnv = process.env,
): CentreConfig {
  const parsed = parseConfig(centreConfigSchema(centre), env);
  return { ...parsed, centre, port: parsed[CentrePorts[centre].variable] };
}

/**
 * The namespace of the centre message patterns (REDIS_PREFIX). `@MessagePattern` decorators are
 * evaluated when their module is imported, before the configuration is parsed, so this reads the
 * environment directly. An empty value counts as unset, as in `parseConfig`; the value itself is
 * validated with the rest of the configuration at boot, and `CentreModule` refuses to start when
 * it differs from the parsed REDIS_PREFIX.
 */
export function messageNamespace(): string {
  return process.env.REDIS_PREFIX || 'hub';
}

/** The pattern a centre's message handler answers, e.g. `hub:lab:result.submit`. */
export function centreMessagePattern(centre: Centre, message: MessageName): string {
  return centrePattern(messageNamespace(), centre, message);
}
