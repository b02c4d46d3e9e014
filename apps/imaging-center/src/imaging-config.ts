import { resolve } from 'node:path';
import { z } from 'zod';
import { DEMO_JWT_SECRET, configSchemas, parseConfig } from '@hub/platform';

/**
 * What the imaging centre reads besides the centre variables (`libs/centre`): where the DICOM
 * files live, the key the gateway signs its accessor tokens with, how links are written, and how
 * long a reader's claim on a study lasts.
 */
export const imagingConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    /** The archive's directory: instances under `instances/`, uploads in progress under `tmp/`. */
    DATA_DIR: z.string().default('.run/data/imaging'),
    /** Shared with the gateway, which signs the `x-hub-accessor` header of every DICOMweb call. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEMO_JWT_SECRET),
    /** The organisation code of the imaging centre: its staff see every study, matched or not. */
    IMAGING_ORG_CODE: z.string().min(1).default('IMAGING'),
    /**
     * The hub's public base URL, for RetrieveURL (0008,1190) in answers. Unset: taken from the
     * request (X-Forwarded-Proto/-Host set by the gateway, else Host).
     */
    PUBLIC_URL: configSchemas.url(['http:', 'https:']).optional(),
    /** How long a reader's claim on a study lasts (minutes) before another reader may take it. */
    READING_CLAIM_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  })
  .transform((config, ctx) => {
    if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEMO_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'a secret of your own is required with NODE_ENV=production',
      });
    }
    return {
      ...config,
      DATA_DIR: resolve(config.DATA_DIR),
      PUBLIC_URL: config.PUBLIC_URL?.replace(/\/$/, ''),
    };
  });

export type ImagingConfig = z.output<typeof imagingConfigSchema>;

/** Injection token of the parsed {@link ImagingConfig}. */
export const IMAGING_CONFIG = Symbol('IMAGING_CONFIG');

/**
 * Parses the imaging centre's own variables from `env`.
 * @throws ConfigError naming every missing or bad variable.
 */
export function loadImagingConfig(env: NodeJS.ProcessEnv = process.env): ImagingConfig {
  return parseConfig(imagingConfigSchema, env);
}
