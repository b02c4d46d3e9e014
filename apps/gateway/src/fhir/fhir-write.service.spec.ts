import { FhirError } from '@hub/fhir';
import { MAX_NESTING, assertNesting } from './fhir-write.service';

/** `{"a": {"a": … leaf}}`, `depth` objects deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('assertNesting', () => {
  it('lets a resource as deep as FHIR nests pass', () => {
    expect(() => assertNesting(nested(MAX_NESTING), 'Patient')).not.toThrow();
  });

  it('refuses JSON nested 100,000 deep with a 400 that names it, not a stack overflow (fuzz suite)', () => {
    let caught: unknown;
    try {
      assertNesting(nested(100_000), 'Bundle');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FhirError);
    expect((caught as FhirError).status).toBe(400);
    expect((caught as FhirError).message).toMatch(/Bundle is nested more than 64 levels deep/);
  });
});
