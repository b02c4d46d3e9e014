import { z } from 'zod';

/**
 * Configuration is parsed once at start-up from the environment into a typed object. A missing or
 * bad value stops the app with a message that names the variable.
 */
/**
 * The demo signing key shared by the gateway (tokens) and the centres that check the gateway's
 * internal tokens: refused when NODE_ENV=production.
 */
export const DEMO_JWT_SECRET = 'demo-only-jwt-secret-change-me-in-production-0001';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Variables every app reads. Defaults are documented in README ("Configuration"). */
export const commonConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/hub'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /** Prefix of every BullMQ key and namespace of every message pattern in Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be lower-case letters, digits or dashes')
    .default('hub'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a request/reply message to a centre may take before it counts as failed. */
  MESSAGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
  /** How long taking a new PostgreSQL connection may take: a request fails fast, never hangs. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(3000),
  /** Retry-After (seconds) of the 503 answered while PostgreSQL is unavailable. */
  DB_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(5),
});

export const configSchemas = { port, bool, url };

/**
 * Parses `env` with `schema`. Empty strings count as unset, so defaults apply.
 * @throws ConfigError naming every bad or missing variable.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const shown = cleaned[name] === undefined ? 'is missing' : 'is invalid';
        return `${name} ${shown}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

export type CommonConfig = z.output<typeof commonConfigSchema>;

/** Connection settings of a `redis://` URL, in the form ioredis and BullMQ take. */
export function redisOptions(redisUrl: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
} {
  const parsed = new URL(redisUrl);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** A URL with its password replaced, safe to print. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
