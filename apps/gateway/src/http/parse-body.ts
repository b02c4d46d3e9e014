import { type z } from 'zod';
import { type CentreRefusal } from '@hub/contracts';
import { FhirError } from '@hub/fhir';

/**
 * Parses a JSON body or query with its schema; the first problem is answered as a 400
 * OperationOutcome naming the field (`results[0].value: Expected number`, or the unknown fields).
 * Every JSON API of the gateway checks its input here.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue.code === 'unrecognized_keys')
    throw FhirError.badRequest(`unknown field(s): ${issue.keys.join(', ')}`);
  const field = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw FhirError.badRequest(`${field || 'body'}: ${issue.message}`, field ? [field] : undefined);
}

/** A centre's refusal as the OperationOutcome the caller gets. */
export function refusal(reply: CentreRefusal): FhirError {
  const code =
    reply.status === 404
      ? 'not-found'
      : reply.status === 403
        ? 'forbidden'
        : reply.status === 409
          ? 'conflict'
          : reply.status === 413
            ? 'too-long'
            : 'invalid';
  return new FhirError(reply.status, code, reply.diagnostics, reply.expression);
}
