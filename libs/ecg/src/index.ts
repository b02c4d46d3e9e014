export * from './types';
export { syntheticEcg, type SyntheticEcgOptions } from './synthetic';
export { measureEcg, EcgMeasurementError, type EcgMeasurement } from './measure';
export {
  criticalFlags,
  ECG_CRITICAL_LIMITS,
  type EcgCriticalCode,
  type EcgCriticalFlag,
} from './flags';
export {
  readEcgFile,
  EcgFileError,
  EcgSopClasses,
  type CartMeasurements,
  type EcgFile,
  type EcgFileProblem,
  type EcgPatientSex,
  type PatientSexOption,
} from './ecg-file';
export { parseDicomEcg, writeDicomEcg, type DicomEcgWriteOptions } from './dicom-ecg';
export { parseAecg, writeAecg, type AecgWriteOptions } from './aecg';
export { recordingFromObservation } from './observation-read';
export {
  renderEcgSvg,
  ecgSheetGeometry,
  ECG_PAPER,
  ECG_LAYOUT_ROWS,
  type EcgRenderOptions,
  type EcgSheetGeometry,
} from './render-svg';
export {
  buildEcgObservation,
  ecgMeasurementSummary,
  ECG_DEFAULT_FACTOR_MV,
  type EcgObservationInput,
} from './observation';
export {
  ECG_CODE_SYSTEMS,
  ECG_STUDY_CODING,
  ECG_LEAD_CODES,
  ECG_MEASUREMENT_CODES,
  ECG_MEASUREMENT_NAMES,
  ecgMeasurementKey,
  parseEcgMeasurementKey,
  ecgMeasurementConcept,
  type EcgMeasurementCode,
  type EcgMeasurementName,
  type EcgMeasurementSource,
} from './measurement-codes';
