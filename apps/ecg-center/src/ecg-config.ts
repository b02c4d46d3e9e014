import { z } from 'zod';
import { parseConfig } from '@hub/platform';

/** What the ECG centre reads besides the centre variables (`libs/centre`). */
export const ecgConfigSchema = z.object({
  /** The organisation code of the ECG centre: its staff may upload a recording for any order. */
  ECG_ORG_CODE: z.string().min(1).default('ECG'),
  /**
   * How long a cardiologist's claim on a recording lasts (minutes) before another may take it. A
   * report is due 30 minutes (15 urgent) after the recording arrives, so claims are short.
   */
  READING_CLAIM_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Largest recording file accepted, in bytes (a 10-s 12-lead file is ~120 kB; aECG XML ~1 MB). */
  ECG_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

export type EcgConfig = z.output<typeof ecgConfigSchema>;

/** Injection token of the parsed {@link EcgConfig}. */
export const ECG_CONFIG = Symbol('ECG_CONFIG');

/**
 * Parses the ECG centre's own variables from `env`.
 * @throws ConfigError naming every missing or bad variable.
 */
export function loadEcgConfig(env: NodeJS.ProcessEnv = process.env): EcgConfig {
  return parseConfig(ecgConfigSchema, env);
}
