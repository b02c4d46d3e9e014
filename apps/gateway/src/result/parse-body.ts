import { type z } from 'zod';
import { FhirError } from '@hub/fhir';

/**
 * Parses a JSON body with its schema; the first problem is answered as a 400 OperationOutcome
 * naming the field (`results[0].value: Expected number`).
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw FhirError.badRequest(`${field || 'body'}: ${issue.message}`, field ? [field] : undefined);
}
