import type { Identifier, Reference, Resource } from 'fhir/r4';
import { Systems } from './systems';

/** Any FHIR resource as stored: resourceType and id always present once stored. */
export type StoredResource = Resource & { resourceType: string; id: string };

/** True when the identifier carries the given v2-0203 type code (PLAC, FILL, MR, ACSN…). */
export function hasIdentifierType(identifier: Identifier, code: string): boolean {
  // Submitted JSON: any part may be of the wrong type, and that is simply not this type.
  const coding: unknown = identifier?.type?.coding;
  return (
    Array.isArray(coding) &&
    coding.some(
      (c: { code?: unknown; system?: unknown } | null) =>
        c?.code === code && (!c.system || c.system === Systems.IdentifierType),
    )
  );
}

/** An identifier with a v2-0203 type. */
export function typedIdentifier(code: string, system: string, value: string): Identifier {
  return { type: { coding: [{ system: Systems.IdentifierType, code }] }, system, value };
}

/** Splits `Type/id` (ignoring a base URL or `_history`) into its parts, or undefined. */
export function parseReference(
  reference: Reference | string | undefined,
): { type: string; id: string } | undefined {
  const value = typeof reference === 'string' ? reference : reference?.reference;
  if (!value) return undefined;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(
    value,
  );
  return match ? { type: match[1], id: match[2] } : undefined;
}
