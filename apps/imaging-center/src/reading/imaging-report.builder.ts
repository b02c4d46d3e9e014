import type { DiagnosticReport, Reference } from 'fhir/r4';
import { type CatalogueItem } from '@hub/consortium';
import { Systems } from '@hub/fhir';
import { type ReleasedCritical, catalogueCode } from '@hub/centre';

/** What a released version of an imaging report says, and who stands behind it. */
export interface ImagingReportRelease {
  orderId: string;
  /** The ordered catalogue item; only its code when the catalogue no longer has it. */
  item: CatalogueItem | { code: string };
  /** The order's studies, first linked first. */
  studyInstanceUids: string[];
  status: 'final' | 'amended' | 'preliminary';
  /** When the images arrived (the study was made): the recognition window counts from it. */
  observed?: Date | null;
  issued: Date;
  findings: string;
  impression: string;
  /** Who wrote it, who signed it and who co-signed it (repeats are named once). */
  interpreters: string[];
  amendmentReason?: string | null;
  /** The imaging centre as the consortium names it. */
  performer: Reference;
}

/** The report as a clinician reads it: findings, then impression. */
export function reportText(findings: string, impression: string): string {
  return `检查所见 Findings:\n${findings}\n\n诊断意见 Impression:\n${impression}`;
}

/**
 * The DiagnosticReport of a released version. No subject: the gateway, which owns the patient,
 * adds it from the ServiceRequest. An amendment says why in its conclusion.
 */
export function buildImagingReport(release: ImagingReportRelease): DiagnosticReport {
  const { item } = release;
  const code = catalogueCode('system' in item ? item : undefined, item.code);
  return {
    resourceType: 'DiagnosticReport',
    status: release.status,
    category: [
      {
        coding: [{ system: Systems.DiagnosticServiceSection, code: 'RAD', display: 'Radiology' }],
      },
    ],
    code,
    basedOn: [{ reference: `ServiceRequest/${release.orderId}` }],
    imagingStudy: release.studyInstanceUids.map((uid) => ({ reference: `ImagingStudy/${uid}` })),
    ...(release.observed ? { effectiveDateTime: release.observed.toISOString() } : {}),
    issued: release.issued.toISOString(),
    performer: [release.performer],
    resultsInterpreter: [...new Set(release.interpreters)].map((display) => ({ display })),
    conclusion:
      release.status === 'amended' && release.amendmentReason
        ? `更正报告 Amended: ${release.amendmentReason}\n${release.impression}`
        : release.impression,
    presentedForm: [
      {
        contentType: 'text/plain; charset=utf-8',
        language: 'zh-CN',
        data: Buffer.from(reportText(release.findings, release.impression), 'utf8').toString(
          'base64',
        ),
        title: '影像诊断报告 Imaging report',
      },
    ],
  };
}

/** The critical finding a reader flagged, as every centre reports it to the hub's closed loop. */
export function imagingCritical(text: string, reportedBy: string, at: Date): ReleasedCritical {
  return {
    findings: [
      {
        code: 'IMG-CRITICAL',
        display: 'Critical imaging finding',
        displayZh: '影像危急值',
        text,
      },
    ],
    reportedBy,
    reportedAt: at.toISOString(),
  };
}
