/** Shapes of the IT operations APIs (apps/gateway/src/ops, apps/gateway/src/hl7). */

export type HealthStatus = 'up' | 'down';
export type OverallStatus = 'up' | 'degraded' | 'down';

/** Job counts of one queue; null when Redis could not be read. */
export interface QueueCounts {
  name: string;
  waiting: number | null;
  active: number | null;
  delayed: number | null;
  failed: number | null;
  completed: number | null;
  paused: boolean | null;
}

/** `GET /api/ops/status`. */
export interface OpsStatus {
  checkedAt: string;
  status: OverallStatus;
  database: HealthStatus;
  redis: HealthStatus;
  apps: Array<{ name: string; status: HealthStatus }>;
  queues: QueueCounts[];
}

/** `GET /api/ops/queues/:queue/failed`: newest first. */
export interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  createdAt: string;
  failedAt: string | null;
  /** The job's payload: ids, never patient data. */
  data: unknown;
}

/** `POST /api/ops/queues/:queue/jobs/:id/retry`. */
export interface RetriedJob {
  id: string;
  state: string;
}

export type Hl7Direction = 'in' | 'out';
export const HL7_STATUSES = ['received', 'processed', 'refused', 'delivered', 'failed'] as const;
export type Hl7Status = (typeof HL7_STATUSES)[number];

/** One message of the HL7 log; `text` and `ack` (masked) only when read one by one. */
export interface Hl7LogEntry {
  id: string;
  direction: Hl7Direction;
  transport: string;
  peer: string;
  facility: string | null;
  messageType: string | null;
  controlId: string | null;
  charset: string | null;
  status: Hl7Status;
  ackCode: string | null;
  error: string | null;
  orderIds: string[];
  patientId: string | null;
  receivedAt: string;
  completedAt: string | null;
  replayOf: string | null;
  text?: string;
  ack?: string;
}

/** `GET /api/hl7/messages`: newest first. */
export interface Hl7Search {
  total: number;
  entries: Hl7LogEntry[];
}

/** The filters of the HL7 log as the API names them. */
export const HL7_FILTERS = [
  'direction',
  'status',
  'facility',
  'type',
  'controlId',
  'patient',
  'from',
  'to',
] as const;
export type Hl7Filter = (typeof HL7_FILTERS)[number];

/**
 * Whether the hub replays the message: an outbound delivery that failed is sent again, an inbound
 * message that was refused, failed or never finished is run again.
 */
export function isReplayable(entry: Pick<Hl7LogEntry, 'direction' | 'status'>): boolean {
  return entry.direction === 'out'
    ? entry.status === 'failed'
    : entry.status === 'refused' || entry.status === 'failed' || entry.status === 'received';
}
