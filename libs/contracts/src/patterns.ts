import { type Centre } from './queues';

/**
 * Request/reply message patterns carried by @nestjs/microservices over Redis pub/sub. Redis
 * channels are shared by every database index, so each pattern is prefixed with the deployment's
 * namespace (REDIS_PREFIX): two hubs (or a test run beside a dev hub) on one Redis never answer
 * each other's requests.
 */
export const MessageNames = {
  /** Liveness and readiness of a centre: replies {@link CentreHealthReply}. */
  Health: 'health',
  /** Fetch a final report's FHIR content: {@link ReportGetRequest} → {@link ReportGetReply}. */
  ReportGet: 'report.get',
  /** Lab only: results for an order from analyser middleware: {@link ResultSubmitRequest}. */
  ResultSubmit: 'result.submit',
} as const;

export type MessageName = (typeof MessageNames)[keyof typeof MessageNames];

/** The channel pattern for a centre's message, e.g. `hub:lab:report.get`. */
export function centrePattern(namespace: string, centre: Centre, message: MessageName): string {
  return `${namespace}:${centre}:${message}`;
}

export interface CentreHealthReply {
  centre: Centre;
  status: 'up' | 'down';
  database: 'up' | 'down';
}

export interface ReportGetRequest {
  reportId: string;
}

/** A report's FHIR content: the DiagnosticReport and the Observations it names in `result`. */
export interface ReportGetReply {
  reportId: string;
  orderId: string;
  /** FHIR R4 DiagnosticReport, `result` referencing the observations by `urn:uuid:` fullUrl. */
  diagnosticReport: Record<string, unknown>;
  observations: Array<{ fullUrl: string; resource: Record<string, unknown> }>;
}

/** One measured value as analyser middleware posts it (JSON). */
export interface SubmittedResult {
  /** LOINC code of the analyte (must be one the order's catalogue item reports). */
  code: string;
  /** Numeric value in `unit`. */
  value: number;
  /** UCUM unit; defaults to the analyte's configured unit and must match it when given. */
  unit?: string;
  /** ISO time the measurement was made; defaults to the time of submission. */
  effectiveDateTime?: string;
}

/** gateway → lab: results for one order, posted to `POST /api/lab/results`. */
export interface ResultSubmitRequest {
  orderId: string;
  results: SubmittedResult[];
  /** Who performed / verified, as given by the caller (user name or client id). */
  performer: string;
  traceId: string;
}

/**
 * The lab's answer. Failures carry the HTTP status the gateway should answer with and a precise
 * reason; nothing is stored on failure.
 */
export type ResultSubmitReply =
  | { ok: true; reportId: string; orderId: string; observationCount: number; duplicate: boolean }
  | { ok: false; status: 400 | 404 | 409 | 422; diagnostics: string; expression?: string[] };
