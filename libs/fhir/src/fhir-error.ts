import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** OperationOutcome issue types used by the hub (FHIR R4 issue-type value set). */
export type IssueType = OperationOutcomeIssue['code'];

/**
 * An error that becomes an OperationOutcome with an HTTP status. Thrown anywhere in the FHIR path,
 * mapped to the response in one place (the gateway's FHIR exception filter).
 */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly code: IssueType,
    readonly diagnostics: string,
    readonly expression?: string[],
  ) {
    super(diagnostics);
    this.name = 'FhirError';
  }

  toOperationOutcome(): OperationOutcome {
    return operationOutcome('error', this.code, this.diagnostics, this.expression);
  }

  static badRequest(diagnostics: string, expression?: string[]): FhirError {
    return new FhirError(400, 'invalid', diagnostics, expression);
  }

  static unprocessable(
    diagnostics: string,
    expression?: string[],
    code: IssueType = 'invalid',
  ): FhirError {
    return new FhirError(422, code, diagnostics, expression);
  }

  static notFound(diagnostics: string): FhirError {
    return new FhirError(404, 'not-found', diagnostics);
  }

  static gone(diagnostics: string): FhirError {
    return new FhirError(410, 'deleted', diagnostics);
  }

  static conflict(diagnostics: string): FhirError {
    return new FhirError(409, 'conflict', diagnostics);
  }

  static preconditionFailed(diagnostics: string): FhirError {
    return new FhirError(412, 'conflict', diagnostics);
  }

  static unauthorized(diagnostics: string): FhirError {
    return new FhirError(401, 'login', diagnostics);
  }

  static forbidden(diagnostics: string): FhirError {
    return new FhirError(403, 'forbidden', diagnostics);
  }

  static notSupported(diagnostics: string): FhirError {
    return new FhirError(400, 'not-supported', diagnostics);
  }
}

/** Builds a one-issue OperationOutcome. */
export function operationOutcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueType,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression?.length) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}
