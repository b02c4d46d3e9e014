/**
 * What the gateway's reading API answers (`/api/{imaging|ecg|pathology}/…`), as the screens use
 * it. The worklist and every reading carry the order's patient, clinic and catalogue item, joined
 * at the gateway (the centres hold no patient data).
 */
export type Centre = 'imaging' | 'ecg' | 'pathology';

export const READING_STATUSES = [
  'awaiting-images',
  'unread',
  'claimed',
  'draft',
  'awaiting-cosign',
  'final',
  'amending',
  'preliminary',
] as const;
export type ReadingStatus = (typeof READING_STATUSES)[number];

export interface ReadingPatient {
  id: string;
  name?: string;
  residentId?: string;
  gender?: string;
  birthDate?: string;
}

export interface ReadingContext {
  patient?: ReadingPatient;
  clinic?: { code: string; name: string; nameEn: string };
  item?: { code: string; display: string; displayZh: string };
  /** As the clinic ordered it. */
  requestedPriority?: string;
  clinical?: string;
}

export interface WorklistEntry extends ReadingContext {
  orderId: string;
  accessionNumber?: string;
  code: string;
  priority: string;
  orderedPriority?: string;
  requesterOrg: string;
  studyInstanceUid?: string;
  recordingId?: string;
  specimenLabel?: string;
  modalities: string[];
  flags?: string[];
  imagesAt?: string;
  dueAt?: string;
  minutesLeft?: number;
  status: ReadingStatus;
  claimedBy?: string;
  /** The display name of the reader holding the claim. */
  claimedByName?: string;
  claimExpiresAt?: string;
}

export interface ReadingView extends ReadingContext {
  orderId: string;
  studyInstanceUid?: string;
  recordingId?: string;
  specimenLabel?: string;
  flags?: string[];
  status: ReadingStatus;
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
  turnaround?: {
    startedAt: string;
    dueAt?: string;
    reportedAt?: string;
    minutes?: number;
    met?: boolean;
  };
  coded?: Record<string, string | string[]>;
  history: Array<{
    version: number;
    status: 'final' | 'amended' | 'preliminary';
    signedBy: string;
    signedAt: string;
  }>;
  /** username → display name of the readers named on it. */
  readers: Record<string, string>;
}

/** Words in both languages: report text is written in the reader's language. */
export interface Localized {
  zh: string;
  en: string;
}

/** A report template: the text of each field it fills, for some catalogue items (all when absent). */
export interface ReportTemplate<Field extends string = string> {
  id: string;
  name: Localized;
  /** Catalogue item codes (or DICOM modalities for imaging) it suits; every item when absent. */
  items?: string[];
  fields: Partial<Record<Field, Localized>>;
  /** Non-text parts a centre's template sets (ECG statement codes, a histological type …). */
  coded?: Record<string, string | string[]>;
}

/** A group of phrases a reader inserts with a click, into the field being written. */
export interface PhraseGroup {
  id: string;
  name: Localized;
  phrases: Localized[];
}

/** Text in the language shown. */
export function localized(text: Localized, language: string): string {
  return language === 'en' ? text.en : text.zh;
}
