import { z } from 'zod';
import { type CentreRefusal, ReadingStatuses } from '@hub/contracts';

/** Longest findings or impression a reader may write. */
export const MAX_TEXT = 10_000;

const required = (what: string, max: number) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} must be at most ${max} characters`);

const orderId = required('orderId (the order)', 128);

/** Who is reading, as the gateway authenticated them. */
const reader = z.object(
  {
    username: required('reader.username', 128),
    licensed: z.boolean({ error: 'reader.licensed must be true or false' }),
  },
  { error: 'reader is required: { username, licensed }' },
);

export const claimRequest = z.object({
  orderId,
  reader,
  release: z.boolean({ error: 'release must be true or false' }).optional(),
});

export const draftRequest = z.object({
  orderId,
  reader,
  findings: required('findings (检查所见)', MAX_TEXT),
  impression: required('impression (诊断意见)', MAX_TEXT),
  critical: z
    .object(
      { text: required('critical.text (the critical finding in words)', 1000) },
      { error: 'critical must be { text } or null' },
    )
    .nullable()
    .optional(),
});

export const signRequest = z.object({
  orderId,
  reader,
  traceId: z.string().min(1).max(128).optional(),
});

export const amendRequest = z.object({
  orderId,
  reader,
  reason: required('reason (why the signed report is amended)', 500),
});

export const getRequest = z.object({ orderId });

/** Worklist filters; a filter that names nothing valid matches nothing. */
export const worklistRequest = z.object({
  modality: z.string().min(1).max(16).optional(),
  requesterOrg: z.string().min(1).max(64).optional(),
  status: z.enum(ReadingStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** A refusal the gateway answers with `status`; nothing was changed. */
export function refuse(
  status: CentreRefusal['status'],
  diagnostics: string,
  expression?: string,
): CentreRefusal {
  return { ok: false, status, diagnostics, ...(expression ? { expression: [expression] } : {}) };
}

/**
 * A request that crossed a process boundary, checked against what its type only promises: the
 * parsed value, or a 400 naming the first thing wrong.
 */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  request: unknown,
): { ok: true; value: z.output<S> } | { ok: false; refusal: CentreRefusal } {
  const parsed = schema.safeParse(request ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue.path.map(String).join('.');
  return { ok: false, refusal: refuse(400, issue.message, path || undefined) };
}
