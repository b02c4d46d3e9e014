import { type SpecimenStatus } from './jobs';
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
  /** Lab only: a physician verifies (审核) pending results: {@link ReportVerifyRequest}. */
  ReportVerify: 'report.verify',
  /** Lab only: reports waiting for verification: {@link VerificationListRequest}. */
  VerificationList: 'verification.list',
  /** Lab only: a specimen's current state: {@link SpecimenGetRequest} → {@link SpecimenView}. */
  SpecimenGet: 'specimen.get',
  /** Lab only: the clinic collected a specimen: {@link SpecimenCollectRequest}. */
  SpecimenCollect: 'specimen.collect',
  /** Lab only: the clinic ships a transport box: {@link BatchShipRequest}. */
  BatchShip: 'batch.ship',
  /** Lab only: the lab receives a whole box in one step: {@link BatchReceiveRequest}. */
  BatchReceive: 'batch.receive',
  /** Lab only: the lab receives one specimen: {@link SpecimenReceiveRequest}. */
  SpecimenReceive: 'specimen.receive',
  /** Lab only: the lab rejects a specimen: {@link SpecimenRejectRequest}. */
  SpecimenReject: 'specimen.reject',
  /** Imaging only: a stored study's summary: {@link StudyGetRequest} → {@link StudySummary}. */
  StudyGet: 'study.get',
  /** Imaging only: link an unmatched study to an order: {@link StudyLinkRequest} → {@link StudyLinkReply}. */
  StudyLink: 'study.link',
  /** ECG only: a recording to ingest (DICOM waveform or HL7 aECG): {@link EcgIngestRequest} → {@link EcgIngestReply}. */
  EcgIngest: 'ecg.ingest',
  /** ECG only: a stored recording with its Observation: {@link EcgRecordingGetRequest} → {@link EcgRecordingView} or null. */
  EcgRecordingGet: 'ecg.recording.get',
  /** ECG only: the statement catalogue (心电图诊断术语): {} → {@link EcgStatement}[]. */
  EcgStatements: 'ecg.statements',
  /** ECG only: save the cardiologist's draft from statements: {@link EcgDraftRequest} → {@link ReadingReply}. */
  EcgDraft: 'ecg.draft',
  // Pathology only (types in pathology.ts); reading uses the shared reading.* messages.
  /** The clinic records the specimens it took: {@link PathologyCollectRequest} → {@link PathologyCaseReply}. */
  PathologyCollect: 'pathology.collect',
  /** Receipt at the centre, by scanning a specimen's label: {@link PathologyReceiveRequest} → {@link PathologyCaseReply}. */
  PathologyReceive: 'pathology.receive',
  /** A specimen refused at receipt: {@link PathologyRejectRequest} → {@link PathologyCaseReply}. */
  PathologyReject: 'pathology.reject',
  /** A clinic ships collected specimens in a transport box: {@link PathologyShipRequest} → {@link PathologyBatchReply}. */
  PathologyShip: 'pathology.ship',
  /** Receipt of a whole box in one scan: {@link PathologyBatchReceiveRequest} → {@link PathologyBatchReply}. */
  PathologyBatchReceive: 'pathology.batch.receive',
  /** Grossing (取材): the description and the blocks cut: {@link PathologyGrossRequest} → {@link PathologyCaseReply}. */
  PathologyGross: 'pathology.gross',
  /** Slides cut from a block, one per stain: {@link PathologySlidesRequest} → {@link PathologyCaseReply}. */
  PathologySlides: 'pathology.slides',
  /** A case's whole chain: {@link PathologyCaseGetRequest} → {@link PathologyCaseView} or null. */
  PathologyCaseGet: 'pathology.case.get',
  /** The case any barcode belongs to (case number, specimen, block, slide): {@link PathologyLookupRequest} → {@link PathologyCaseView} or null. */
  PathologyLookup: 'pathology.lookup',
  /** The pathologist's draft: {@link PathologyDraftRequest} → `ReadingReply`. */
  PathologyDraft: 'pathology.draft',
  /** 术中冰冻: the frozen section's preliminary result, called back to the theatre: {@link PathologyFrozenRequest} → `ReadingReply`. */
  PathologyFrozenResult: 'pathology.frozen-result',
  /** The pathologists' catalogues: {} → {@link PathologyCatalogues}. */
  PathologyCatalogues: 'pathology.catalogues',
  /**
   * Reading centres (imaging, ECG): the worklist: {@link ReadingWorklistRequest} → {@link ReadingItem}[].
   * The reading patterns below are answered by both, each on its own channel.
   */
  ReadingWorklist: 'reading.worklist',
  /** Reading centres: one order's reading: {@link ReadingGetRequest} → {@link ReadingView} or null. */
  ReadingGet: 'reading.get',
  /** Reading centres: claim (or release) a study to read: {@link ReadingClaimRequest} → {@link ReadingReply}. */
  ReadingClaim: 'reading.claim',
  /** Imaging: save the draft (ECG: {@link MessageNames.EcgDraft}): {@link ReadingDraftRequest} → {@link ReadingReply}. */
  ReadingDraft: 'reading.draft',
  /** Reading centres: sign (a trainee's signature waits for a co-signature): {@link ReadingSignRequest}. */
  ReadingSign: 'reading.sign',
  /** Reading centres: a licensed senior co-signs a trainee's report: {@link ReadingSignRequest}. */
  ReadingCosign: 'reading.cosign',
  /** Reading centres: start an amendment of a signed report: {@link ReadingAmendRequest}. */
  ReadingAmend: 'reading.amend',
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
  /** The version to fetch; the latest released one when absent. */
  version?: number;
}

/**
 * 危急值: one finding in a released report beyond the critical limits (lab: LL/HH computed by the
 * hub) or flagged critical by a reader (imaging, ECG, pathology). Every centre reports them the same
 * way, in {@link ReportGetReply.critical}, and the gateway runs one closed loop for all of them.
 */
export interface CriticalFinding {
  /** fullUrl of the Observation in {@link ReportGetReply.observations}, when there is one. */
  observationFullUrl?: string;
  /** Code of what was found (LOINC for analytes). */
  code: string;
  display: string;
  displayZh: string;
  /** Numeric findings: the value, its UCUM unit and the hub's flag. */
  value?: number;
  unit?: string;
  flag?: 'LL' | 'HH';
  /** Reader-flagged findings: the finding in words (e.g. 急性颅内出血). */
  text?: string;
}

/** A report's FHIR content: the DiagnosticReport and the Observations it names in `result`. */
export interface ReportGetReply {
  reportId: string;
  orderId: string;
  /** The released version (1 = first final report; later ones are amendments). */
  version: number;
  /** Critical findings of this version, with who released it and when; absent when none. */
  critical?: { findings: CriticalFinding[]; reportedBy: string; reportedAt: string };
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

/**
 * What the lab needs of the order's patient to choose reference ranges and run delta checks: the
 * hub's patient id, administrative gender and birth date. Sent with each request, never queued.
 */
export interface ResultPatientContext {
  id: string;
  gender?: 'male' | 'female' | 'other' | 'unknown';
  /** FHIR date (YYYY, YYYY-MM or YYYY-MM-DD). */
  birthDate?: string;
}

/** gateway → lab: results for one order, posted to `POST /api/lab/results` or by HL7 ORU^R01. */
export interface ResultSubmitRequest {
  orderId: string;
  results: SubmittedResult[];
  /** Who performed, as the gateway authenticated them (user name or client id). */
  performer: string;
  /** How the results came: an analyser (client or HL7 peer, eligible for autoverification) or a person. */
  source: { kind: 'analyser' | 'person'; id: string };
  patient: ResultPatientContext;
  /** A correction of released results: why. The corrected values wait for verification again. */
  correction?: { reason: string };
  traceId: string;
}

/** A failure the gateway answers with this HTTP status and reason; nothing was stored. */
export interface CentreRefusal {
  ok: false;
  status: 400 | 403 | 404 | 409 | 413 | 422;
  diagnostics: string;
  expression?: string[];
}

/** The flags the lab computed for one result. */
export interface ResultFlags {
  code: string;
  /** HL7 v3 ObservationInterpretation: N, L, H, LL, HH. */
  interpretation: 'N' | 'L' | 'H' | 'LL' | 'HH';
  /** True when the delta check against the patient's previous value failed. */
  delta: boolean;
}

/**
 * The lab's answer. `status` says where the report stands: `preliminary` waits for a physician's
 * verification; `final`/`amended` were released (by an autoverification rule when `verifiedBy` is
 * `rule`). A duplicate submission answers with what is stored and changes nothing.
 */
export type ResultSubmitReply =
  | {
      ok: true;
      reportId: string;
      orderId: string;
      version: number;
      status: 'preliminary' | 'final' | 'amended';
      verifiedBy?: 'rule' | 'person';
      observationCount: number;
      flags: ResultFlags[];
      duplicate: boolean;
    }
  | CentreRefusal;

/** gateway → lab: a lab physician verifies (审核) an order's pending results. */
export interface ReportVerifyRequest {
  orderId: string;
  /** The verifying user (must not be who entered the results). */
  verifier: string;
  traceId: string;
}

export type ReportVerifyReply =
  | {
      ok: true;
      reportId: string;
      orderId: string;
      version: number;
      status: 'final' | 'amended';
      critical: number;
    }
  | CentreRefusal;

export interface VerificationListRequest {
  limit?: number;
}

/**
 * One result of a version waiting for verification, as the lab stored it: the value, the reference
 * range that applies to the patient and the lab's interpretation (no patient identity).
 */
export interface PendingResult {
  /** LOINC code of the analyte. */
  code: string;
  display: string;
  displayZh?: string;
  value: number;
  unit?: string;
  /** The reference range that applied (either end may be open). */
  low?: number;
  high?: number;
  interpretation: ResultFlags['interpretation'];
  /** True when the delta check against the patient's previous value failed. */
  delta: boolean;
  /** The lab's note on the result (the failed delta check names the previous value). */
  note?: string;
  effectiveDateTime?: string;
}

/** One report waiting for verification (no patient data: the workbench joins it at the gateway). */
export interface PendingVerification {
  orderId: string;
  reportId: string;
  version: number;
  code: string;
  priority: string;
  enteredBy: string;
  enteredAt: string;
  flags: ResultFlags[];
  /** The version's results, for the physician to judge before releasing them. */
  results?: PendingResult[];
  correctionReason?: string;
}

/** Why a specimen was rejected; the values the API accepts. */
export const SpecimenRejectionReasons = [
  'haemolysed',
  'clotted',
  'insufficient-volume',
  'wrong-container',
  'unlabelled',
  'transport-time-exceeded',
] as const;
export type SpecimenRejectionReason = (typeof SpecimenRejectionReasons)[number];

/** The words a clinic reads for each rejection reason: Chinese first, English after. */
export const SpecimenRejectionText: Record<SpecimenRejectionReason, string> = {
  haemolysed: '溶血 haemolysed',
  clotted: '凝块 clotted',
  'insufficient-volume': '标本量不足 insufficient volume',
  'wrong-container': '容器错误 wrong container',
  unlabelled: '无标签 unlabelled',
  'transport-time-exceeded': '运输超时 transport time exceeded',
};

/** A specimen as the lab tracks it (no patient data). */
export interface SpecimenView {
  accession: string;
  orderId: string;
  /** Specimen type code of the catalogue (e.g. `serum`, `whole-blood-edta`). */
  type: string;
  status: SpecimenStatus;
  requesterOrg: string;
  collectedAt?: string;
  collector?: string;
  batchId?: string;
  shippedAt?: string;
  courier?: string;
  receivedAt?: string;
  receiver?: string;
  condition?: string;
  rejectionReason?: SpecimenRejectionReason;
  rejectionNote?: string;
  /** Minutes from collection to receipt, when both are known, and the type's limit. */
  transportMinutes?: number;
  transportLimitMinutes?: number;
}

export interface SpecimenGetRequest {
  accession: string;
  /** When set, only a specimen ordered by this organisation is found (a clinic's view). */
  requesterOrg?: string;
}

/** The clinic records collection. `org` is the caller's organisation: only its specimens match. */
export interface SpecimenCollectRequest {
  accession: string;
  org: string;
  collectedAt: string;
  collector: string;
  traceId: string;
}

/** The clinic packs specimens into a transport box (运输箱) and hands it to a courier. */
export interface BatchShipRequest {
  batchId: string;
  org: string;
  courier: string;
  departedAt: string;
  /** Each specimen, with its collection when it has not been recorded yet. */
  specimens: Array<{ accession: string; collectedAt?: string; collector?: string }>;
  traceId: string;
}

/** The lab receives a whole box: every specimen in it is checked and received or rejected. */
export interface BatchReceiveRequest {
  batchId: string;
  receiver: string;
  receivedAt?: string;
  /** Specimens the receiver found unacceptable on inspection. */
  rejections?: Array<{ accession: string; reason: SpecimenRejectionReason; note?: string }>;
  traceId: string;
}

export interface SpecimenReceiveRequest {
  accession: string;
  receiver: string;
  receivedAt?: string;
  condition?: string;
  traceId: string;
}

export interface SpecimenRejectRequest {
  accession: string;
  receiver: string;
  reason: SpecimenRejectionReason;
  note?: string;
  traceId: string;
}

/** Answer to the specimen commands: the specimens as they now stand. */
export type SpecimenCommandReply = { ok: true; specimens: SpecimenView[] } | CentreRefusal;

export interface StudyGetRequest {
  studyInstanceUid: string;
}

/**
 * A stored study as the consortium record needs it for its ImagingStudy (no patient data: the
 * gateway takes the subject from the linked order).
 */
export interface StudySummary {
  studyInstanceUid: string;
  orderId?: string;
  accessionNumber?: string;
  /** PatientID (0010,0020) as the modality wrote it, for matching an unmatched study to its order. */
  patientId?: string;
  /** The member whose system sent the study (clinic uploads), when known. */
  uploadedByOrg?: string;
  /** ISO date-time from StudyDate/StudyTime, when given. */
  started?: string;
  description?: string;
  modalities: string[];
  numberOfSeries: number;
  numberOfInstances: number;
  series: Array<{
    seriesInstanceUid: string;
    number?: number;
    modality: string;
    description?: string;
    instances: Array<{ sopInstanceUid: string; sopClassUid: string; number?: number }>;
  }>;
}

/** Who is reading, as the gateway authenticated them. */
export interface Reader {
  username: string;
  /** False for a trainee: their signature needs a licensed senior's co-signature. */
  licensed: boolean;
}

/**
 * Where an order's reading stands at a reading centre (imaging, ECG). `awaiting-images`: nothing
 * to read has arrived yet (no study, no ECG recording).
 */
export const ReadingStatuses = [
  'awaiting-images',
  'unread',
  'claimed',
  'draft',
  'awaiting-cosign',
  'final',
  'amending',
  /** A preliminary result was released (a frozen section's call-back); the final report follows. */
  'preliminary',
] as const;
export type ReadingStatus = (typeof ReadingStatuses)[number];

export interface ReadingWorklistRequest {
  modality?: string;
  /** Organisation code of the ordering clinic. */
  requesterOrg?: string;
  status?: ReadingStatus;
  limit?: number;
}

/** One order on a reading worklist (no patient data: the workbench joins it at the gateway). */
export interface ReadingItem {
  orderId: string;
  accessionNumber?: string;
  code: string;
  /** The priority the worklist sorts by: raised to urgent by a machine flag. */
  priority: string;
  /** As the clinic ordered it, when a machine flag raised it. */
  orderedPriority?: string;
  requesterOrg: string;
  /** Imaging: the first study linked to the order. */
  studyInstanceUid?: string;
  /** ECG: the first recording of the order. */
  recordingId?: string;
  /** Pathology: the first specimen received. */
  specimenLabel?: string;
  modalities: string[];
  /** Machine flags (ECG critical criteria read from the signal) that put the order on top. */
  flags?: string[];
  /** When the images arrived (the turnaround clock starts). */
  imagesAt?: string;
  /** Turnaround target: when the report is due, and minutes left (negative when late). */
  dueAt?: string;
  minutesLeft?: number;
  status: ReadingStatus;
  claimedBy?: string;
  claimExpiresAt?: string;
}

export interface ReadingGetRequest {
  orderId: string;
}

export interface ReadingClaimRequest {
  orderId: string;
  reader: Reader;
  /** True to give the claim back. */
  release?: boolean;
}

export interface ReadingDraftRequest {
  orderId: string;
  reader: Reader;
  /** 检查所见 */
  findings: string;
  /** 诊断意见 */
  impression: string;
  /** A critical finding (危急值) in words, or null to clear it. */
  critical?: { text: string } | null;
}

export interface ReadingSignRequest {
  orderId: string;
  reader: Reader;
  traceId: string;
}

export interface ReadingAmendRequest {
  orderId: string;
  reader: Reader;
  reason: string;
}

/** An order's reading: the current version and the signed history. */
export interface ReadingView {
  orderId: string;
  studyInstanceUid?: string;
  recordingId?: string;
  specimenLabel?: string;
  flags?: string[];
  status: ReadingStatus;
  /** The version being written or last signed (1 = first report; later ones are amendments). */
  version: number;
  claimedBy?: string;
  claimExpiresAt?: string;
  findings?: string;
  impression?: string;
  critical?: { text: string };
  author?: string;
  signedBy?: string;
  signedAt?: string;
  cosignedBy?: string;
  cosignedAt?: string;
  amendmentReason?: string;
  /**
   * Turnaround: from the first material (images, recording, received specimen) to the first
   * released result, against the target (`met`); `reportedAt`/`minutes`/`met` once reported.
   */
  turnaround?: {
    startedAt: string;
    dueAt?: string;
    reportedAt?: string;
    minutes?: number;
    met?: boolean;
  };
  /** Structured content where the centre has one (ECG: `statements` codes and free `text`). */
  coded?: Record<string, string | string[]>;
  history: Array<{
    version: number;
    status: 'final' | 'amended' | 'preliminary';
    signedBy: string;
    signedAt: string;
  }>;
}

export type ReadingReply = { ok: true; reading: ReadingView } | CentreRefusal;

export interface StudyLinkRequest {
  studyInstanceUid: string;
  orderId: string;
  traceId: string;
}

export type StudyLinkReply = { ok: true } | CentreRefusal;

/**
 * gateway (or the imaging archive, for ECG objects sent by STOW-RS) → ECG centre: one recording
 * file. The centre parses, measures and stores it, or refuses it and stores nothing.
 */
export interface EcgIngestRequest {
  /** The file, base64. */
  content: string;
  contentType: 'application/dicom' | 'application/xml';
  /** The order given with the upload (ServiceRequest id): wins over the accession number in the file. */
  orderId?: string;
  /** Who uploads: a clinic only for its own orders; the ECG centre's staff and admins for any. */
  uploader: { username: string; org: string; anyOrder: boolean };
  traceId: string;
}

/** A machine flag: a critical criterion read from the signal (the machine never signs). */
export interface EcgFlag {
  code: string;
  /** Chinese, then English. */
  text: string;
}

/** The hub's own measurements of a recording (rounded for display; the Observation has them too). */
export interface EcgMeasurementSummary {
  heartRateBpm: number;
  rrMeanMs: number;
  rrSdMs: number;
  prMs?: number;
  qrsMs: number;
  qtMs: number;
  qtcBazettMs: number;
  qtcFridericiaMs: number;
  axisDeg: number;
  beats: number;
}

/** A stored recording, as the worklist, the reading and the ingest reply show it. */
export interface EcgRecordingSummary {
  recordingId: string;
  orderId: string;
  format: 'dicom' | 'aecg';
  sopInstanceUid?: string;
  accessionNumber?: string;
  samplingHz: number;
  durationS: number;
  /** Leads the file lacked, derived from I and II. */
  derivedLeads: string[];
  acquiredAt?: string;
  /** Absent when the signal could not be measured (then `measurementError` says why). */
  measurement?: EcgMeasurementSummary;
  measurementError?: string;
  /** What the cart measured and said, kept beside the hub's own. */
  cart?: Record<string, unknown>;
  flags: EcgFlag[];
  uploadedBy: string;
  receivedAt: string;
}

export type EcgIngestReply =
  | {
      ok: true;
      recording: EcgRecordingSummary;
      /** The same file was stored before. */
      duplicate: boolean;
      /** The recording's Observation (as `ecg.recording.get` gives it), so the hub need not ask. */
      observation: Record<string, unknown>;
    }
  | CentreRefusal;

export interface EcgRecordingGetRequest {
  recordingId: string;
}

export interface EcgRecordingView extends EcgRecordingSummary {
  taskId: string;
  /** FHIR R4 Observation (LOINC 11524-6) with a `valueSampledData` component per lead; no subject. */
  observation: Record<string, unknown>;
}

/** One statement of the ECG report catalogue. */
export interface EcgStatement {
  code: string;
  zh: string;
  en: string;
  /** A statement that is a critical finding by itself (e.g. ventricular fibrillation). */
  critical?: boolean;
  group: string;
}

export interface EcgDraftRequest {
  orderId: string;
  reader: Reader;
  /** Statement codes from the catalogue, in the order the report lists them. */
  statements: string[];
  /** Free text after the statements. */
  text?: string;
  critical?: { text: string } | null;
}
