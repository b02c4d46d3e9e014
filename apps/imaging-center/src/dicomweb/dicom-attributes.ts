import { type DicomJson, type DicomJsonAttribute } from '@hub/dicom';

/** The attributes DICOMweb answers name by keyword (PS3.6): keyword → tag and VR. */
export const Attributes = {
  SpecificCharacterSet: { tag: '00080005', vr: 'CS' },
  ImageType: { tag: '00080008', vr: 'CS' },
  SOPClassUID: { tag: '00080016', vr: 'UI' },
  SOPInstanceUID: { tag: '00080018', vr: 'UI' },
  StudyDate: { tag: '00080020', vr: 'DA' },
  SeriesDate: { tag: '00080021', vr: 'DA' },
  AcquisitionDate: { tag: '00080022', vr: 'DA' },
  ContentDate: { tag: '00080023', vr: 'DA' },
  StudyTime: { tag: '00080030', vr: 'TM' },
  SeriesTime: { tag: '00080031', vr: 'TM' },
  AcquisitionTime: { tag: '00080032', vr: 'TM' },
  ContentTime: { tag: '00080033', vr: 'TM' },
  AccessionNumber: { tag: '00080050', vr: 'SH' },
  InstanceAvailability: { tag: '00080056', vr: 'CS' },
  Modality: { tag: '00080060', vr: 'CS' },
  ModalitiesInStudy: { tag: '00080061', vr: 'CS' },
  Manufacturer: { tag: '00080070', vr: 'LO' },
  InstitutionName: { tag: '00080080', vr: 'LO' },
  ReferringPhysicianName: { tag: '00080090', vr: 'PN' },
  TimezoneOffsetFromUTC: { tag: '00080201', vr: 'SH' },
  StationName: { tag: '00081010', vr: 'SH' },
  StudyDescription: { tag: '00081030', vr: 'LO' },
  SeriesDescription: { tag: '0008103E', vr: 'LO' },
  InstitutionalDepartmentName: { tag: '00081040', vr: 'LO' },
  PerformingPhysicianName: { tag: '00081050', vr: 'PN' },
  ManufacturerModelName: { tag: '00081090', vr: 'LO' },
  RetrieveURL: { tag: '00081190', vr: 'UR' },
  FailureReason: { tag: '00081197', vr: 'US' },
  FailedSOPSequence: { tag: '00081198', vr: 'SQ' },
  ReferencedSOPSequence: { tag: '00081199', vr: 'SQ' },
  ReferencedSOPClassUID: { tag: '00081150', vr: 'UI' },
  ReferencedSOPInstanceUID: { tag: '00081155', vr: 'UI' },
  PatientName: { tag: '00100010', vr: 'PN' },
  PatientID: { tag: '00100020', vr: 'LO' },
  IssuerOfPatientID: { tag: '00100021', vr: 'LO' },
  PatientBirthDate: { tag: '00100030', vr: 'DA' },
  PatientSex: { tag: '00100040', vr: 'CS' },
  OtherPatientIDs: { tag: '00101000', vr: 'LO' },
  PatientAge: { tag: '00101010', vr: 'AS' },
  PatientSize: { tag: '00101020', vr: 'DS' },
  PatientWeight: { tag: '00101030', vr: 'DS' },
  BodyPartExamined: { tag: '00180015', vr: 'CS' },
  StudyInstanceUID: { tag: '0020000D', vr: 'UI' },
  SeriesInstanceUID: { tag: '0020000E', vr: 'UI' },
  StudyID: { tag: '00200010', vr: 'SH' },
  SeriesNumber: { tag: '00200011', vr: 'IS' },
  AcquisitionNumber: { tag: '00200012', vr: 'IS' },
  InstanceNumber: { tag: '00200013', vr: 'IS' },
  NumberOfStudyRelatedSeries: { tag: '00201206', vr: 'IS' },
  NumberOfStudyRelatedInstances: { tag: '00201208', vr: 'IS' },
  NumberOfSeriesRelatedInstances: { tag: '00201209', vr: 'IS' },
  SamplesPerPixel: { tag: '00280002', vr: 'US' },
  PhotometricInterpretation: { tag: '00280004', vr: 'CS' },
  NumberOfFrames: { tag: '00280008', vr: 'IS' },
  Rows: { tag: '00280010', vr: 'US' },
  Columns: { tag: '00280011', vr: 'US' },
  BitsAllocated: { tag: '00280100', vr: 'US' },
  BitsStored: { tag: '00280101', vr: 'US' },
  WindowCenter: { tag: '00281050', vr: 'DS' },
  WindowWidth: { tag: '00281051', vr: 'DS' },
  RequestedProcedureDescription: { tag: '00321060', vr: 'LO' },
  PerformedProcedureStepStartDate: { tag: '00400244', vr: 'DA' },
  PerformedProcedureStepStartTime: { tag: '00400245', vr: 'TM' },
  PixelData: { tag: '7FE00010', vr: 'OW' },
} as const satisfies Record<string, { tag: string; vr: string }>;

export type Keyword = keyof typeof Attributes;

const BY_KEYWORD = new Map<string, string>(
  Object.entries(Attributes).map(([keyword, { tag }]) => [keyword.toLowerCase(), tag]),
);

/**
 * The tag (8 upper-case hex digits) a query names, by tag (`00100020`) or keyword
 * (`PatientID`, case-insensitive); undefined when it names none the archive knows.
 */
export function tagOf(name: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(name)) return name.toUpperCase();
  return BY_KEYWORD.get(name.toLowerCase());
}

/** Attributes of the Patient and Study modules: what a study-level `includefield=all` gives. */
export const STUDY_LEVEL_TAGS: ReadonlySet<string> = new Set(
  (
    [
      'StudyDate',
      'StudyTime',
      'AccessionNumber',
      'ReferringPhysicianName',
      'TimezoneOffsetFromUTC',
      'StudyDescription',
      'PatientName',
      'PatientID',
      'IssuerOfPatientID',
      'PatientBirthDate',
      'PatientSex',
      'OtherPatientIDs',
      'PatientAge',
      'PatientSize',
      'PatientWeight',
      'StudyInstanceUID',
      'StudyID',
      'RequestedProcedureDescription',
    ] as Keyword[]
  ).map((keyword) => Attributes[keyword].tag),
);

/** Attributes of the Series and Equipment modules: what a series-level `includefield=all` adds. */
export const SERIES_LEVEL_TAGS: ReadonlySet<string> = new Set(
  (
    [
      'SeriesDate',
      'SeriesTime',
      'Modality',
      'Manufacturer',
      'InstitutionName',
      'StationName',
      'SeriesDescription',
      'InstitutionalDepartmentName',
      'PerformingPhysicianName',
      'ManufacturerModelName',
      'BodyPartExamined',
      'SeriesInstanceUID',
      'SeriesNumber',
      'PerformedProcedureStepStartDate',
      'PerformedProcedureStepStartTime',
    ] as Keyword[]
  ).map((keyword) => Attributes[keyword].tag),
);

/** Builds DICOM JSON attributes; a null or empty value gives an attribute with no Value. */
export function attr(keyword: Keyword, ...values: unknown[]): DicomJsonAttribute {
  const { vr } = Attributes[keyword];
  const present = values.filter((value) => value !== null && value !== undefined && value !== '');
  return present.length ? { vr, Value: present } : { vr };
}

/** Sets `keyword` in `json` (see {@link attr}). */
export function put(json: DicomJson, keyword: Keyword, ...values: unknown[]): void {
  json[Attributes[keyword].tag] = attr(keyword, ...values);
}

/** A decoded person name (`Alphabetic=Ideographic=Phonetic`) as a DICOM JSON PN value. */
export function personNameValue(name: string | null): Record<string, string> | null {
  if (!name) return null;
  const [alphabetic, ideographic, phonetic] = name.split('=');
  const value: Record<string, string> = {};
  if (alphabetic) value.Alphabetic = alphabetic;
  if (ideographic) value.Ideographic = ideographic;
  if (phonetic) value.Phonetic = phonetic;
  return Object.keys(value).length ? value : null;
}

/** The first value of a PN attribute as a string (`Alphabetic=Ideographic=Phonetic`). */
export function personNameText(attribute: DicomJsonAttribute | undefined): string | null {
  const value = attribute?.Value?.[0] as
    { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | undefined;
  if (!value || typeof value !== 'object') return null;
  const text = [value.Alphabetic ?? '', value.Ideographic ?? '', value.Phonetic ?? '']
    .join('=')
    .replace(/=+$/, '');
  return text === '' ? null : text;
}

/** The first value of an attribute as a string, or null. */
export function firstString(attribute: DicomJsonAttribute | undefined): string | null {
  const value = attribute?.Value?.[0];
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** The first value of an attribute as an integer, or null. */
export function firstInteger(attribute: DicomJsonAttribute | undefined): number | null {
  const value = Number(attribute?.Value?.[0]);
  return attribute?.Value?.length && Number.isInteger(value) ? value : null;
}

/** A DICOM DA value (YYYYMMDD) as an ISO date (YYYY-MM-DD), or null when it is not a real date. */
export function isoDate(value: string | null): string | null {
  const match = value ? /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim()) : null;
  if (!match) return null;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d)
    ? `${y}-${m}-${d}`
    : null;
}
