import { z } from 'zod';
import { DEMO_JWT_SECRET, commonConfigSchema, configSchemas, parseConfig } from '@hub/platform';

export { DEMO_JWT_SECRET };

/** A comma-separated variable as a list of trimmed, non-empty items. */
const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

export const gatewayConfigSchema = commonConfigSchema
  .extend({
    PORT: configSchemas.port.default(3000),
    /** MLLP listener for HL7 v2 (0 turns it off). */
    HL7_PORT: z.coerce.number().int().min(0).max(65535).default(2575),
    /** First retry delay of a report delivery to a clinic (doubles up to an hour). */
    DELIVERY_BACKOFF_MS: z.coerce.number().int().min(10).max(3600_000).default(1000),
    /** How long the HL7 message log keeps messages (days); pruned hourly. */
    HL7_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
    /** Demo mode seeds and accepts the demo clients and users. Off in production. */
    DEMO_MODE: configSchemas.bool.optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
    /** Lifetime of a person's refresh token (rotated on every use). */
    REFRESH_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .max(30 * 86400)
      .default(8 * 3600),
    /** Failed sign-ins in a row before an account is locked, and for how long. */
    LOCKOUT_THRESHOLD: z.coerce.number().int().min(3).max(100).default(5),
    LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    /** Requests per minute: token/login per client address, the API per caller. */
    AUTH_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(20),
    API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1000000).default(1200),
    /** Browser origins allowed by CORS (comma-separated); none by default. */
    CORS_ORIGINS: commaList('').pipe(z.array(z.url())),
    OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(60000).default(500),
    /** Largest JSON body (FHIR resources and Bundles) the API accepts. */
    JSON_BODY_LIMIT: z
      .string()
      .regex(/^\d+(kb|mb)$/, 'must look like 512kb or 5mb')
      .default('5mb'),
    /**
     * 结果互认: what an order that meets a recognized prior result does when the clinic said
     * neither reuse nor override: `route` it (recorded as undecided; care is never held up) or
     * `refuse` it with the priors listed, so the clinic decides.
     */
    RECOGNITION_DEFAULT: z.enum(['route', 'refuse']).default('route'),
    /** The imaging centre's HTTP port on this host (its DICOMweb archive, proxied at /dicomweb). */
    IMAGING_PORT: configSchemas.port.default(3002),
    /** Where the imaging centre's HTTP server is, when not on this host (e.g. http://imaging:3002). */
    IMAGING_URL: configSchemas.url(['http:', 'https:']).optional(),
    /** The hub's public base URL, for links in resources (DICOMweb Endpoint, RetrieveURL). */
    PUBLIC_URL: configSchemas.url(['http:', 'https:']).optional(),
    /** Centres to check in /health; all four by default. */
    CENTRES: commaList('lab,imaging,ecg,pathology').pipe(
      z.array(z.enum(['lab', 'imaging', 'ecg', 'pathology'])),
    ),
  })
  .transform((config, ctx) => {
    const production = config.NODE_ENV === 'production';
    const demoMode = config.DEMO_MODE ?? !production;
    if (production && demoMode) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_MODE'],
        message: 'demo mode cannot be used with NODE_ENV=production',
      });
    }
    if (production && (!config.JWT_SECRET || config.JWT_SECRET === DEMO_JWT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'a secret of your own is required with NODE_ENV=production',
      });
    }
    return {
      ...config,
      DEMO_MODE: demoMode,
      JWT_SECRET: config.JWT_SECRET ?? DEMO_JWT_SECRET,
      IMAGING_URL: config.IMAGING_URL ?? `http://127.0.0.1:${config.IMAGING_PORT}`,
      PUBLIC_URL: (config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/$/, ''),
    };
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Injection token of the parsed gateway configuration. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(gatewayConfigSchema, env);
}
