export * from './types';
export { syntheticEcg, type SyntheticEcgOptions } from './synthetic';
export { measureEcg, EcgMeasurementError, type EcgMeasurement } from './measure';
export {
  criticalFlags,
  ECG_CRITICAL_LIMITS,
  type EcgCriticalCode,
  type EcgCriticalFlag,
} from './flags';
