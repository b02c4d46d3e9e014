/**
 * The one registry of BullMQ queue names. Apps know each other only through this file and the
 * payload types beside it. A queue name is part of the stored state in Redis: never change a value
 * without a migration plan (drain the old queue first).
 */
export const Queues = {
  /** Orders routed to the central lab (检验中心). */
  LabOrders: 'lab.orders',
  /** Orders routed to the imaging centre (影像中心). */
  ImagingOrders: 'imaging.orders',
  /** Orders routed to the ECG centre (心电诊断中心). */
  EcgOrders: 'ecg.orders',
  /** Orders routed to the pathology centre (病理中心). */
  PathologyOrders: 'pathology.orders',
  /** Task state changes reported by the centres back to the gateway. */
  HubTaskEvents: 'hub.task-events',
  /** Final results (reports) coming back from the centres to the consortium record. */
  HubResults: 'hub.results',
  /** Reports on their way to the ordering clinic's own system (HL7 ORU^R01 over MLLP). */
  HubDeliveries: 'hub.deliveries',
  /** Lab → gateway: a specimen moved (collected, shipped, received, rejected); mirrored as FHIR. */
  HubSpecimenEvents: 'hub.specimen-events',
  /** Imaging → gateway: a study arrived or changed (linked to its order); mirrored as ImagingStudy. */
  HubImagingEvents: 'hub.imaging-events',
  /** ECG → gateway: a recording was stored; mirrored as an Observation (LOINC 11524-6). */
  HubEcgEvents: 'hub.ecg-events',
  /** Gateway-internal: delayed escalation of unacknowledged critical values (危急值). */
  HubCriticalValues: 'hub.critical-values',
} as const;

export type QueueName = (typeof Queues)[keyof typeof Queues];

/** The four diagnostic centres of the consortium. */
export const Centres = ['lab', 'imaging', 'ecg', 'pathology'] as const;
export type Centre = (typeof Centres)[number];

/** The orders queue each centre consumes. */
export const CentreOrderQueue = {
  lab: Queues.LabOrders,
  imaging: Queues.ImagingOrders,
  ecg: Queues.EcgOrders,
  pathology: Queues.PathologyOrders,
} as const satisfies Record<Centre, QueueName>;

/** The orders queue names, one per centre. */
export type CentreOrderQueueName = (typeof CentreOrderQueue)[Centre];

/** True when `value` names one of the four centres. */
export function isCentre(value: string): value is Centre {
  return (Centres as readonly string[]).includes(value);
}
