/**
 * Value representations of the attributes the hub reads, indexes or returns (PS3.6). dicom-parser
 * has no data dictionary, and an Implicit VR file does not say what an element is: this table gives
 * the VR for those attributes; any other element of an implicit file is `UN` in DICOM JSON (which
 * PS3.18 allows). Explicit VR files carry their own VRs and do not need it.
 */
const VR: Record<string, string> = {
  '00080005': 'CS', // SpecificCharacterSet
  '00080008': 'CS', // ImageType
  '00080012': 'DA', // InstanceCreationDate
  '00080013': 'TM', // InstanceCreationTime
  '00080016': 'UI', // SOPClassUID
  '00080018': 'UI', // SOPInstanceUID
  '00080020': 'DA', // StudyDate
  '00080021': 'DA', // SeriesDate
  '00080022': 'DA', // AcquisitionDate
  '00080023': 'DA', // ContentDate
  '00080030': 'TM', // StudyTime
  '00080031': 'TM', // SeriesTime
  '00080033': 'TM', // ContentTime
  '00080050': 'SH', // AccessionNumber
  '00080060': 'CS', // Modality
  '00080061': 'CS', // ModalitiesInStudy
  '00080064': 'CS', // ConversionType
  '00080070': 'LO', // Manufacturer
  '00080080': 'LO', // InstitutionName
  '00080090': 'PN', // ReferringPhysicianName
  '00081010': 'SH', // StationName
  '00081030': 'LO', // StudyDescription
  '0008103E': 'LO', // SeriesDescription
  '00081090': 'LO', // ManufacturerModelName
  '00100010': 'PN', // PatientName
  '00100020': 'LO', // PatientID
  '00100030': 'DA', // PatientBirthDate
  '00100040': 'CS', // PatientSex
  '00101010': 'AS', // PatientAge
  '00180015': 'CS', // BodyPartExamined
  '00180050': 'DS', // SliceThickness
  '0020000D': 'UI', // StudyInstanceUID
  '0020000E': 'UI', // SeriesInstanceUID
  '00200010': 'SH', // StudyID
  '00200011': 'IS', // SeriesNumber
  '00200012': 'IS', // AcquisitionNumber
  '00200013': 'IS', // InstanceNumber
  '00200020': 'CS', // PatientOrientation
  '00200032': 'DS', // ImagePositionPatient
  '00200037': 'DS', // ImageOrientationPatient
  '00200052': 'UI', // FrameOfReferenceUID
  '00201041': 'DS', // SliceLocation
  '00280002': 'US', // SamplesPerPixel
  '00280004': 'CS', // PhotometricInterpretation
  '00280006': 'US', // PlanarConfiguration
  '00280008': 'IS', // NumberOfFrames
  '00280010': 'US', // Rows
  '00280011': 'US', // Columns
  '00280030': 'DS', // PixelSpacing
  '00280100': 'US', // BitsAllocated
  '00280101': 'US', // BitsStored
  '00280102': 'US', // HighBit
  '00280103': 'US', // PixelRepresentation
  '00281050': 'DS', // WindowCenter
  '00281051': 'DS', // WindowWidth
  '00281052': 'DS', // RescaleIntercept
  '00281053': 'DS', // RescaleSlope
  '00281054': 'LO', // RescaleType
  '00282110': 'CS', // LossyImageCompression
  '00400244': 'DA', // PerformedProcedureStepStartDate
  '00400245': 'TM', // PerformedProcedureStepStartTime
  '00400253': 'SH', // PerformedProcedureStepID
  '7FE00010': 'OW', // PixelData
};

/**
 * The VR of an attribute (8 hex digits; dicom-parser's `xggggeeee` form too), or `UN` when the hub
 * does not know it.
 */
export function vrOf(tag: string): string {
  const key = tag.replace(/^x/i, '').toUpperCase();
  if (VR[key]) return VR[key];
  // Group length elements (gggg,0000) are UL.
  if (key.endsWith('0000')) return 'UL';
  return 'UN';
}
