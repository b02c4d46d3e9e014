import { z } from 'zod';
import { parseConfig } from '@hub/platform';
import { histologicalTypes } from './reading/histological-types';

/** What the pathology centre reads besides the centre variables (`libs/centre`). */
export const pathologyConfigSchema = z.object({
  /** How long a pathologist's claim on a case lasts (minutes) before another may take it. */
  READING_CLAIM_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** Routine turnaround, counted in working days (Monday–Friday) from the first receipt. */
  PATHOLOGY_ROUTINE_WORKING_DAYS: z.coerce.number().int().min(1).max(30).default(5),
  /**
   * Histological types whose diagnosis needs a second pathologist's co-signature before release,
   * comma-separated codes of the catalogue; default: every malignant type.
   */
  PATHOLOGY_COSIGN_TYPES: z
    .string()
    .default(
      histologicalTypes
        .filter((type) => type.malignant)
        .map((type) => type.code)
        .join(','),
    )
    .transform((value) =>
      value
        .split(',')
        .map((code) => code.trim())
        .filter(Boolean),
    ),
});

export type PathologyConfig = z.output<typeof pathologyConfigSchema>;

/** Injection token of the parsed {@link PathologyConfig}. */
export const PATHOLOGY_CONFIG = Symbol('PATHOLOGY_CONFIG');

/**
 * Parses the pathology centre's own variables from `env`.
 * @throws ConfigError naming every missing or bad variable.
 */
export function loadPathologyConfig(env: NodeJS.ProcessEnv = process.env): PathologyConfig {
  return parseConfig(pathologyConfigSchema, env);
}
