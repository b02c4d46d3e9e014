import { type Centre, type QueueName } from './queues';

/**
 * Job names and payloads. A job carries ids and trace context, never whole records or patient
 * data: the worker re-reads what it needs. Job ids are the business ids, so adding the same job
 * twice is harmless (BullMQ keeps the first).
 */
export const JobNames = {
  OrderRoute: 'OrderRoute',
  OrderCancel: 'OrderCancel',
  TaskUpdate: 'TaskUpdate',
  ReportSubmit: 'ReportSubmit',
  ReportDeliver: 'ReportDeliver',
  OrderStatusDeliver: 'OrderStatusDeliver',
  SpecimenUpdate: 'SpecimenUpdate',
  StudyUpdate: 'StudyUpdate',
  EcgRecordingStored: 'EcgRecordingStored',
  CriticalValueEscalate: 'CriticalValueEscalate',
} as const;

export type JobName = (typeof JobNames)[keyof typeof JobNames];

/** FHIR request priorities, highest first. */
export const OrderPriorities = ['stat', 'asap', 'urgent', 'routine'] as const;
export type OrderPriority = (typeof OrderPriorities)[number];

/** gateway → `<centre>.orders`: an accepted order for the centre to take on. */
export interface OrderRoutePayload {
  /** The hub's order number (ServiceRequest id, also the FILL identifier). */
  orderId: string;
  /** The Task tracking the order; the centre reports its status against it. */
  taskId: string;
  centre: Centre;
  /** Catalogue code of what was ordered (LOINC or local). */
  code: string;
  priority: OrderPriority;
  /** Organization id of the requesting member clinic. */
  requesterOrgId: string;
  /** ISO timestamp the order was accepted at the hub. */
  acceptedAt: string;
  /** Lab orders: the specimen the clinic collects, labelled with the hub's accession number. */
  specimen?: { accession: string; type: string };
  /** Imaging orders: the accession number the modality writes in AccessionNumber (0008,0050). */
  accessionNumber?: string;
  traceId: string;
}

/** gateway → `<centre>.orders`: the clinic cancelled an order the centre has not completed. */
export interface OrderCancelPayload extends Omit<
  OrderRoutePayload,
  'acceptedAt' | 'specimen' | 'accessionNumber'
> {
  /** Why, as the clinic said (free text, no patient data). */
  reason?: string;
}

/** Task states a centre may report (FHIR Task.status values). */
export const CentreTaskStatuses = [
  'accepted',
  'in-progress',
  'completed',
  'failed',
  'on-hold',
] as const;
export type CentreTaskStatus = (typeof CentreTaskStatuses)[number];

/** centre → `hub.task-events`: the centre moved an order's Task. */
export interface TaskUpdatePayload {
  orderId: string;
  taskId: string;
  centre: Centre;
  status: CentreTaskStatus;
  /** ISO timestamp of the change at the centre. */
  at: string;
  /** Why, for on-hold and failed (Task.statusReason), e.g. `标本溶血 haemolysed`. No patient data. */
  reason?: string;
  traceId: string;
}

/**
 * centre → `hub.results`: a report was released at the centre (verified, or amended after release).
 * The gateway fetches that version's content with the centre's `report.get` message pattern and
 * stores it in the consortium record.
 */
export interface ReportSubmitPayload {
  reportId: string;
  orderId: string;
  taskId: string;
  centre: Centre;
  /** The released version: 1 is the first final report, later ones are amendments. */
  version: number;
  traceId: string;
}

/**
 * gateway → `hub.deliveries`: tell the ordering clinic's system that its order cannot go on as it
 * is (Task on hold or failed, e.g. a rejected specimen to recollect), with the reason.
 */
export interface OrderStatusDeliverPayload {
  orderId: string;
  taskId: string;
  /** Organisation code of the ordering member. */
  org: string;
  /** The Task version being told (each change is its own message). */
  taskVersion: string;
  traceId: string;
}

/** Where a specimen stands (lab schema; mirrored in the FHIR Specimen). */
export const SpecimenStatuses = [
  'awaiting-collection',
  'collected',
  'in-transit',
  'received',
  'rejected',
] as const;
export type SpecimenStatus = (typeof SpecimenStatuses)[number];

/**
 * lab or pathology → `hub.specimen-events`: a specimen moved. The gateway re-reads the specimen with the lab's
 * `specimen.get` message and mirrors its current state into the FHIR Specimen, so events applied
 * late or twice change nothing.
 */
export interface SpecimenUpdatePayload {
  accession: string;
  orderId: string;
  /**
   * Who tracks it: the lab (default; re-read with `specimen.get`) or the pathology centre (the
   * case's Specimen, `accession` = the case number; re-read with `pathology.case.get`).
   */
  centre?: 'lab' | 'pathology';
  status: SpecimenStatus;
  /** ISO timestamp of the change at the lab. */
  at: string;
  traceId: string;
}

/**
 * imaging → `hub.imaging-events`: a study was stored or changed (new instances, linked to an
 * order). The gateway re-reads it with the imaging centre's `study.get` and writes the
 * ImagingStudy; the first one for an order moves its Task to in-progress.
 */
export interface StudyUpdatePayload {
  studyInstanceUid: string;
  /** The order it is linked to, when it is. */
  orderId?: string;
  /** ISO time of the change. */
  at: string;
  traceId: string;
}

/**
 * ECG → `hub.ecg-events`: a recording was stored for an order. The gateway re-reads it with the
 * ECG centre's `ecg.recording.get` and writes its Observation; the Task is moved to in-progress by
 * the centre's own `TaskUpdate`.
 */
export interface EcgRecordingStoredPayload {
  recordingId: string;
  orderId: string;
  traceId: string;
}

/**
 * gateway → `hub.critical-values` (delayed): a critical value alert is due for escalation unless
 * it has been acknowledged by then. `level` is the escalation this job performs (1 = first).
 */
export interface CriticalValueEscalatePayload {
  alertId: string;
  level: number;
  traceId: string;
}

/** gateway → `hub.deliveries`: send a stored report to the ordering clinic's system. */
export interface ReportDeliverPayload {
  reportId: string;
  orderId: string;
  /** Organisation code of the ordering member. */
  org: string;
  /** The report version being delivered (a correction is a later version). */
  version: string;
  /**
   * The report is another order's recognized prior result, reused for `orderId` instead of
   * repeating the test (结果互认): delivered under this order's numbers.
   */
  reuse?: boolean;
  traceId: string;
}

/** Ties each queue to the jobs it carries; checked by the typed queue helpers. */
export interface QueueJobs {
  'lab.orders': { OrderRoute: OrderRoutePayload; OrderCancel: OrderCancelPayload };
  'imaging.orders': { OrderRoute: OrderRoutePayload; OrderCancel: OrderCancelPayload };
  'ecg.orders': { OrderRoute: OrderRoutePayload; OrderCancel: OrderCancelPayload };
  'pathology.orders': { OrderRoute: OrderRoutePayload; OrderCancel: OrderCancelPayload };
  'hub.task-events': { TaskUpdate: TaskUpdatePayload };
  'hub.results': { ReportSubmit: ReportSubmitPayload };
  'hub.deliveries': {
    ReportDeliver: ReportDeliverPayload;
    OrderStatusDeliver: OrderStatusDeliverPayload;
  };
  'hub.specimen-events': { SpecimenUpdate: SpecimenUpdatePayload };
  'hub.imaging-events': { StudyUpdate: StudyUpdatePayload };
  'hub.ecg-events': { EcgRecordingStored: EcgRecordingStoredPayload };
  'hub.critical-values': { CriticalValueEscalate: CriticalValueEscalatePayload };
}

/** Deterministic job ids: the business id, so a re-send never duplicates work. */
export const jobIds = {
  orderRoute: (orderId: string) => `order-${orderId}`,
  orderCancel: (orderId: string) => `cancel-${orderId}`,
  taskUpdate: (taskId: string, status: CentreTaskStatus) => `task-${taskId}-${status}`,
  reportSubmit: (reportId: string, version: number) => `report-${reportId}-v${version}`,
  /** `forOrder` when the report is delivered for another order that reused it. */
  reportDeliver: (reportId: string, version: string, forOrder?: string) =>
    `deliver-${reportId}-${version}${forOrder ? `-for-${forOrder}` : ''}`,
  orderStatusDeliver: (taskId: string, taskVersion: string) => `status-${taskId}-${taskVersion}`,
  /** One per change: a corrected collection time is a second `collected` event. */
  specimenUpdate: (accession: string, status: SpecimenStatus, at: Date) =>
    `specimen-${accession}-${status}-${at.getTime()}`,
  /** One per change of a study (its instance count at the time). */
  studyUpdate: (studyInstanceUid: string, instances: number) =>
    `study-${studyInstanceUid}-${instances}`,
  /** A study that matched no order by accession number: the hub tries the patient + procedure. */
  studyUnmatched: (studyInstanceUid: string) => `study-${studyInstanceUid}-unmatched`,
  ecgRecordingStored: (recordingId: string) => `ecg-${recordingId}`,
  criticalValueEscalate: (alertId: string, level: number) => `critical-${alertId}-${level}`,
};

/** BullMQ priority (1 = highest) for a FHIR request priority. */
export function bullPriority(priority: OrderPriority): number {
  switch (priority) {
    case 'stat':
      return 1;
    case 'asap':
      return 2;
    case 'urgent':
      return 3;
    case 'routine':
      return 10;
  }
}

/** The job names each queue carries, at run time (the types are in {@link QueueJobs}). */
export const QueueJobNames = {
  'lab.orders': ['OrderRoute', 'OrderCancel'],
  'imaging.orders': ['OrderRoute', 'OrderCancel'],
  'ecg.orders': ['OrderRoute', 'OrderCancel'],
  'pathology.orders': ['OrderRoute', 'OrderCancel'],
  'hub.task-events': ['TaskUpdate'],
  'hub.results': ['ReportSubmit'],
  'hub.deliveries': ['ReportDeliver', 'OrderStatusDeliver'],
  'hub.specimen-events': ['SpecimenUpdate'],
  'hub.imaging-events': ['StudyUpdate'],
  'hub.ecg-events': ['EcgRecordingStored'],
  'hub.critical-values': ['CriticalValueEscalate'],
} as const satisfies { [Q in keyof QueueJobs]: ReadonlyArray<keyof QueueJobs[Q]> };

/** Each job's payload type by job name. */
interface JobPayloads {
  OrderRoute: OrderRoutePayload;
  OrderCancel: OrderCancelPayload;
  TaskUpdate: TaskUpdatePayload;
  ReportSubmit: ReportSubmitPayload;
  ReportDeliver: ReportDeliverPayload;
  OrderStatusDeliver: OrderStatusDeliverPayload;
  SpecimenUpdate: SpecimenUpdatePayload;
  StudyUpdate: StudyUpdatePayload;
  EcgRecordingStored: EcgRecordingStoredPayload;
  CriticalValueEscalate: CriticalValueEscalatePayload;
}

/** The ids a worker cannot act without, and their type, per job name. */
const REQUIRED_FIELDS: {
  [N in JobName]: Partial<Record<keyof JobPayloads[N], 'string' | 'number'>>;
} = {
  OrderRoute: { orderId: 'string', taskId: 'string', centre: 'string', code: 'string' },
  OrderCancel: { orderId: 'string', taskId: 'string', centre: 'string' },
  TaskUpdate: { orderId: 'string', taskId: 'string', centre: 'string', status: 'string' },
  ReportSubmit: { reportId: 'string', orderId: 'string', centre: 'string', version: 'number' },
  ReportDeliver: { reportId: 'string', orderId: 'string', org: 'string', version: 'string' },
  OrderStatusDeliver: { orderId: 'string', taskId: 'string', org: 'string' },
  SpecimenUpdate: { accession: 'string', orderId: 'string', status: 'string' },
  StudyUpdate: { studyInstanceUid: 'string' },
  EcgRecordingStored: { recordingId: 'string', orderId: 'string' },
  CriticalValueEscalate: { alertId: 'string', level: 'number' },
};

/**
 * What is wrong with a job as `queue`'s worker receives it: a name the queue does not carry, or a
 * payload without the ids the job needs. `undefined` when it is well-formed. Such a job can never
 * succeed, so a worker fails it at once instead of retrying it (and keeps it for inspection).
 */
export function jobProblem(queue: QueueName, name: string, data: unknown): string | undefined {
  const names: readonly string[] = QueueJobNames[queue];
  if (!names.includes(name))
    return `job name "${name}" is not carried by ${queue} (expected ${names.join(' or ')})`;
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return `the ${name} payload is not an object`;
  const payload = data as Record<string, unknown>;
  const problems = Object.entries(REQUIRED_FIELDS[name as JobName])
    .filter(([field, type]) =>
      type === 'string'
        ? typeof payload[field] !== 'string' || payload[field] === ''
        : typeof payload[field] !== 'number' || !Number.isFinite(payload[field]),
    )
    .map(([field, type]) => `${field} (${type})`);
  return problems.length ? `the ${name} payload lacks ${problems.join(', ')}` : undefined;
}
