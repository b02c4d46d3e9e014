import { type Centre } from './queues';

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
  traceId: string;
}

/** gateway → `<centre>.orders`: the clinic cancelled an order the centre has not completed. */
export interface OrderCancelPayload extends Omit<OrderRoutePayload, 'acceptedAt'> {
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
  traceId: string;
}

/**
 * centre → `hub.results`: a final report is ready at the centre. The gateway fetches its content
 * with the centre's `report.get` message pattern and stores it in the consortium record.
 */
export interface ReportSubmitPayload {
  reportId: string;
  orderId: string;
  taskId: string;
  centre: Centre;
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
  'hub.deliveries': { ReportDeliver: ReportDeliverPayload };
}

/** Deterministic job ids: the business id, so a re-send never duplicates work. */
export const jobIds = {
  orderRoute: (orderId: string) => `order-${orderId}`,
  orderCancel: (orderId: string) => `cancel-${orderId}`,
  taskUpdate: (taskId: string, status: CentreTaskStatus) => `task-${taskId}-${status}`,
  reportSubmit: (reportId: string) => `report-${reportId}`,
  reportDeliver: (reportId: string, version: string) => `deliver-${reportId}-${version}`,
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
