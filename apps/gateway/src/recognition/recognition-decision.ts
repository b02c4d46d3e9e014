import type { Extension, ServiceRequest } from 'fhir/r4';
import { FhirError } from '@hub/fhir';

/** A clinic reuses a recognized prior result instead of ordering: `valueReference` DiagnosticReport. */
export const REUSE_EXTENSION = 'urn:hub:recognition-reuse';
/** A clinic orders anyway: `valueCodeableConcept` with one of {@link OverrideReasons}. */
export const OVERRIDE_EXTENSION = 'urn:hub:recognition-override';
export const OVERRIDE_REASON_SYSTEM = 'urn:hub:recognition-override-reason';

/**
 * Why a clinic repeats a test a recognized result would have spared (DOMAIN.md: 《医疗机构检查检验
 * 结果互认管理办法》): the reason is recorded on the order and told to the patient.
 */
export const OverrideReasons = {
  'condition-changed': '病情变化 The condition changed',
  'fast-changing': '指标变化快 The value changes fast with the disease',
  'major-intervention': '重大诊疗措施前 Before a major intervention (surgery, transfusion)',
  emergency: '急诊急救 Emergency',
  forensic: '司法鉴定/伤残鉴定 Forensic or disability assessment',
  other: '其他 Other (say what)',
} as const;
export type OverrideReason = keyof typeof OverrideReasons;

/** What an order says about a recognized prior. */
export type RecognitionDecision =
  | { kind: 'reuse'; reportId: string }
  | { kind: 'override'; reason: OverrideReason; text?: string }
  | undefined;

/**
 * The clinic's decision as the order carries it (FHIR extensions; HL7 orders map ORC-16 to the
 * override), or a 422 naming what is wrong.
 */
export function decisionOf(request: ServiceRequest, path: string): RecognitionDecision {
  const extensions: Extension[] = request.extension ?? [];
  const reuse = extensions.find((e) => e.url === REUSE_EXTENSION);
  const override = extensions.find((e) => e.url === OVERRIDE_EXTENSION);
  if (reuse && override)
    throw FhirError.unprocessable(
      `${path}: an order either reuses a prior result or overrides it, not both`,
      [`${path}.extension`],
    );
  if (reuse) {
    const id = /^DiagnosticReport\/([A-Za-z0-9\-.]{1,64})$/.exec(
      reuse.valueReference?.reference ?? '',
    )?.[1];
    if (!id)
      throw FhirError.unprocessable(
        `${path}.extension(${REUSE_EXTENSION}): valueReference must be DiagnosticReport/{id} (a prior from $recognition-check)`,
        [`${path}.extension`],
      );
    return { kind: 'reuse', reportId: id };
  }
  if (override) {
    const coding = override.valueCodeableConcept?.coding?.find(
      (c) => c.system === OVERRIDE_REASON_SYSTEM,
    );
    const reason = coding?.code;
    if (!reason || !(reason in OverrideReasons))
      throw FhirError.unprocessable(
        `${path}.extension(${OVERRIDE_EXTENSION}): the reason must be one of ${Object.keys(OverrideReasons).join(', ')} (system ${OVERRIDE_REASON_SYSTEM})`,
        [`${path}.extension`],
      );
    const text = override.valueCodeableConcept?.text?.trim();
    if (reason === 'other' && !text)
      throw FhirError.unprocessable(
        `${path}.extension(${OVERRIDE_EXTENSION}): reason "other" needs the reason in words (valueCodeableConcept.text)`,
        [`${path}.extension`],
      );
    return { kind: 'override', reason: reason as OverrideReason, ...(text ? { text } : {}) };
  }
  return undefined;
}
