import { type CentreRefusal, type Reader } from './patterns';

/* The pathology centre's messages are `MessageNames.Pathology*` (patterns.ts). */

/** Who acts, as the gateway authenticated them. */
export interface PathologyActor {
  username: string;
  org: string;
  /** True for the pathology centre's staff and admins; a clinic acts only on its own orders. */
  centreStaff: boolean;
}

/** One specimen as the clinic took it (标本). */
export interface PathologySpecimenInput {
  /** Where it was taken (取材部位), e.g. '胃窦 gastric antrum'. */
  site: string;
  /** e.g. '10% 中性福尔马林 10% neutral buffered formalin'; 'none' for fresh tissue (frozen section). */
  fixative: string;
  /** When the tissue went into the fixative (ISO); absent for fresh tissue. */
  fixationStartedAt?: string;
  /** When it was taken (ISO); defaults to the time of the request. */
  collectedAt?: string;
  container?: string;
}

export interface PathologyCollectRequest {
  orderId: string;
  specimens: PathologySpecimenInput[];
  by: PathologyActor;
  traceId: string;
}

export interface PathologyReceiveRequest {
  /** The label scanned on the container (the specimen's barcode). */
  label: string;
  /**
   * Receipt checks (labelling, fixation) refuse a specimen that fails them; a pathologist may take
   * it all the same (tissue cannot be taken twice) by saying why here. Recorded with the problems.
   */
  acceptDespite?: string;
  by: PathologyActor;
  traceId: string;
}

export interface PathologyRejectRequest {
  label: string;
  reason: string;
  by: PathologyActor;
  traceId: string;
}

export interface PathologyGrossRequest {
  orderId: string;
  /** 大体描述 */
  description: string;
  /** Blocks cut from each specimen. */
  blocks: Array<{ specimenLabel: string; count: number; description?: string }>;
  by: PathologyActor;
  traceId: string;
}

export interface PathologySlidesRequest {
  blockBarcode: string;
  /** One slide per stain: 'HE', a special stain, or an IHC marker (e.g. 'IHC:Ki-67'). */
  stains: string[];
  by: PathologyActor;
  traceId: string;
}

/**
 * The clinic packs collected specimens into a transport box (运输箱) for the courier (the centre's
 * staff may ship for a clinic). All or nothing: every label must be a collected specimen of one
 * clinic's open orders; each becomes `in-transit`.
 */
export interface PathologyShipRequest {
  /** The specimen labels packed (1–50). */
  labels: string[];
  courier?: string;
  by: PathologyActor;
  traceId: string;
}

/**
 * The centre receives a whole box in one scan: each specimen still in transit goes through the
 * checks of a single receipt; one that fails stays in transit and is listed with its reason, unless
 * `acceptDespite` names it.
 */
export interface PathologyBatchReceiveRequest {
  batchId: string;
  /** Specimens received although they fail the receipt checks: label → why (让步接收). */
  acceptDespite?: Record<string, string>;
  by: PathologyActor;
  traceId: string;
}

/** A transport box and where each of its specimens stands. */
export interface PathologyBatchView {
  /** `PB` + yyMMdd + a 6-digit number, e.g. `PB251123000042`. */
  batchId: string;
  /** The sending clinic. */
  org: string;
  shippedBy: string;
  shippedAt: string;
  courier?: string;
  /** When the box was received (its first specimen taken out of it). */
  receivedAt?: string;
  receivedBy?: string;
  specimens: Array<{
    label: string;
    orderId: string;
    status: PathologySpecimenStatus;
    /** Why this receipt of the box left the specimen in transit. */
    refusal?: string;
  }>;
}

export type PathologyBatchReply = { ok: true; batch: PathologyBatchView } | CentreRefusal;

export interface PathologyCaseGetRequest {
  orderId: string;
  /** When set, only a case ordered by this organisation is found (a clinic's view). */
  requesterOrg?: string;
}

export interface PathologyLookupRequest {
  barcode: string;
}

export type PathologySpecimenStatus = 'collected' | 'in-transit' | 'received' | 'rejected';

export interface PathologySlideView {
  barcode: string;
  stain: string;
  createdBy: string;
  createdAt: string;
}

export interface PathologyBlockView {
  barcode: string;
  description?: string;
  createdBy: string;
  createdAt: string;
  slides: PathologySlideView[];
}

export interface PathologySpecimenView extends PathologySpecimenInput {
  label: string;
  status: PathologySpecimenStatus;
  collectedAt: string;
  collectedBy: string;
  /** The transport box it was shipped in, and when. */
  batchId?: string;
  shippedAt?: string;
  receivedAt?: string;
  receivedBy?: string;
  rejectedAt?: string;
  rejectedBy?: string;
  rejectionReason?: string;
  /** Hours from fixation start to receipt, when both are known. */
  fixationHoursAtReceipt?: number;
  /** Minutes from collection to receipt (for fresh tissue, how long it was out of the body). */
  minutesToReceipt?: number;
  /** Why a pathologist received it although it failed the receipt checks (让步接收). */
  acceptedDespite?: string;
  blocks: PathologyBlockView[];
}

/** A case and its chain: specimens → blocks → slides, and every step with who and when. */
export interface PathologyCaseView {
  orderId: string;
  caseNumber: string;
  code: string;
  priority: string;
  requesterOrg: string;
  /** The frozen section's target: minutes from receipt to the called-back result. */
  frozen: boolean;
  specimens: PathologySpecimenView[];
  gross?: { description: string; by: string; at: string };
  events: Array<{ at: string; by: string; what: string; barcode?: string }>;
}

export type PathologyCaseReply = { ok: true; case: PathologyCaseView } | CentreRefusal;

/** The pathologist's report: descriptions, diagnosis and the structured fields. */
export interface PathologyDraftRequest {
  orderId: string;
  reader: Reader;
  /** 镜下所见 */
  microscopic: string;
  /** 病理诊断 */
  diagnosis: string;
  /** 取材部位 */
  site?: string;
  /** A code of the histological-type catalogue; a malignant one needs a second pathologist. */
  histologicalType?: string;
  /** 分级, e.g. 'G2' */
  grade?: string;
  /** 切缘, e.g. '阴性 negative' */
  margins?: string;
  critical?: { text: string } | null;
}

export interface PathologyFrozenRequest {
  orderId: string;
  reader: Reader;
  /** The intraoperative diagnosis as called back. */
  text: string;
  traceId: string;
}

export interface PathologyHistologicalType {
  code: string;
  zh: string;
  en: string;
  malignant: boolean;
}

export interface PathologyCatalogues {
  histologicalTypes: PathologyHistologicalType[];
  stains: string[];
}
