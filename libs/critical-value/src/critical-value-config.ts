import { z } from 'zod';

/** When an unacknowledged critical value escalates, and when an acknowledgement counts as late. */
export interface CriticalValueConfig {
  /** Seconds without acknowledgement before an alert escalates, and between further escalations. */
  ackTimeoutSeconds: number;
  /** Seconds from release to acknowledgement beyond which the acknowledgement counts as late. */
  ackTargetSeconds: number;
}

const seconds = (fallback: number) =>
  z.coerce
    .number()
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(86_400, 'must be at most 86400 seconds (one day)')
    .default(fallback);

/** The variables, with their defaults: 10 minutes to escalation, a 15-minute target. */
export const criticalValueConfigSchema = z.object({
  CRITICAL_ACK_TIMEOUT_SECONDS: seconds(600),
  CRITICAL_ACK_TARGET_SECONDS: seconds(900),
});

/** A bad critical-value variable; the message names each one. */
export class CriticalValueConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CriticalValueConfigError';
  }
}

/** Injection token of the parsed {@link CriticalValueConfig}. */
export const CRITICAL_VALUE_CONFIG = Symbol('CRITICAL_VALUE_CONFIG');

/**
 * Parses `CRITICAL_ACK_TIMEOUT_SECONDS` (default 600) and `CRITICAL_ACK_TARGET_SECONDS` (default
 * 900) from `env`. Empty strings count as unset. Parse once at start-up.
 * @throws CriticalValueConfigError naming every bad variable.
 */
export function loadCriticalValueConfig(
  env: Record<string, string | undefined> = process.env,
): CriticalValueConfig {
  const cleaned: Record<string, string> = {};
  for (const name of Object.keys(criticalValueConfigSchema.shape)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') cleaned[name] = value.trim();
  }
  const result = criticalValueConfigSchema.safeParse(cleaned);
  if (!result.success) {
    throw new CriticalValueConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return `${name} is invalid ("${cleaned[name]}"): ${issue.message}`;
      }),
    );
  }
  return {
    ackTimeoutSeconds: result.data.CRITICAL_ACK_TIMEOUT_SECONDS,
    ackTargetSeconds: result.data.CRITICAL_ACK_TARGET_SECONDS,
  };
}
