import { randomUUID } from 'node:crypto';
import type { DiagnosticReport, Observation, Quantity, Reference } from 'fhir/r4';
import { type CriticalFinding, type ResultFlags } from '@hub/contracts';
import { type CatalogueItem } from '@hub/consortium';
import { Systems } from '@hub/fhir';
import { type FlaggedResult } from './result-rules';

/** The Observations and DiagnosticReport of one report version. */
export interface BuiltReport {
  diagnosticReport: DiagnosticReport;
  observations: Array<{ fullUrl: string; resource: Observation }>;
}

const INTERPRETATION_DISPLAY: Record<ResultFlags['interpretation'], string> = {
  N: 'Normal',
  L: 'Low',
  H: 'High',
  LL: 'Critical low',
  HH: 'Critical high',
};

/**
 * Builds a preliminary version of an order's report: one Observation per result (LOINC code, UCUM
 * quantity, the reference range that applies to the patient, the hub's interpretation, a note when
 * the delta check failed) and the DiagnosticReport naming them by `urn:uuid:`. An amendment keeps
 * each analyte's fullUrl from the version before (`previousUrls`), so the consortium record updates
 * the same Observation and keeps its history. No subject: the gateway, which owns the patient,
 * adds it from the ServiceRequest.
 */
export function buildLabReport(options: {
  orderId: string;
  item: CatalogueItem;
  results: FlaggedResult[];
  performer: Reference;
  entered: Date;
  /** When the specimen was collected, as the clinic recorded it. */
  collectedAt?: Date;
  previousUrls?: ReadonlyMap<string, string>;
}): BuiltReport {
  const entered = options.entered.toISOString();
  // A laboratory result describes the patient when the specimen was taken: that is its effective
  // time (and where the recognition window starts), not when the analyser ran or it was entered.
  const collected = options.collectedAt?.toISOString();
  const basedOn: Reference[] = [{ reference: `ServiceRequest/${options.orderId}` }];
  const observations = options.results.map((result) => {
    const { analyte, value, effectiveDateTime, range, interpretation, delta } = result;
    const quantity = (amount: number): Quantity => ({
      value: amount,
      unit: analyte.unit,
      system: Systems.Ucum,
      code: analyte.unit,
    });
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'preliminary',
      category: [
        {
          coding: [
            { system: Systems.ObservationCategory, code: 'laboratory', display: 'Laboratory' },
          ],
        },
      ],
      code: {
        coding: [{ system: Systems.Loinc, code: analyte.code, display: analyte.display }],
        text: analyte.displayZh,
      },
      basedOn,
      effectiveDateTime: collected ?? effectiveDateTime ?? entered,
      performer: [options.performer],
      valueQuantity: quantity(value),
      interpretation: [
        {
          coding: [
            {
              system: Systems.ObservationInterpretation,
              code: interpretation,
              display: INTERPRETATION_DISPLAY[interpretation],
            },
          ],
        },
      ],
      ...(range && (range.low !== undefined || range.high !== undefined)
        ? {
            referenceRange: [
              {
                ...(range.low !== undefined ? { low: quantity(range.low) } : {}),
                ...(range.high !== undefined ? { high: quantity(range.high) } : {}),
              },
            ],
          }
        : {}),
      ...(delta
        ? {
            note: [
              {
                text: `差值检查未通过 Delta check failed: previous ${delta.value} ${analyte.unit} at ${delta.at.toISOString()}`,
              },
            ],
          }
        : {}),
    };
    const fullUrl = options.previousUrls?.get(analyte.code) ?? `urn:uuid:${randomUUID()}`;
    return { fullUrl, resource };
  });
  const earliest = observations
    .map((entry) => entry.resource.effectiveDateTime as string)
    .reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  const diagnosticReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    status: 'preliminary',
    category: [
      {
        coding: [{ system: Systems.DiagnosticServiceSection, code: 'LAB', display: 'Laboratory' }],
      },
    ],
    code: {
      coding: [
        { system: options.item.system, code: options.item.code, display: options.item.display },
      ],
      text: options.item.displayZh,
    },
    basedOn,
    effectiveDateTime: earliest,
    performer: [options.performer],
    result: observations.map((entry) => ({ reference: entry.fullUrl })),
  };
  return { diagnosticReport, observations };
}

/**
 * The released content of a version: `final` (the first) or `amended` (a correction), issued now,
 * with who verified it, or the autoverification rule, as the results interpreter.
 */
export function releaseContent(
  content: BuiltReport,
  release: {
    status: 'final' | 'amended';
    issued: Date;
    verifier: string;
    verification: 'rule' | 'person';
    correctionReason?: string | null;
  },
): BuiltReport {
  const issued = release.issued.toISOString();
  const interpreter: Reference = {
    display:
      release.verification === 'rule'
        ? '自动审核 Autoverification rule'
        : `${release.verifier} (审核 verified)`,
  };
  return {
    diagnosticReport: {
      ...content.diagnosticReport,
      status: release.status,
      issued,
      resultsInterpreter: [interpreter],
      ...(release.status === 'amended' && release.correctionReason
        ? { conclusion: `更正报告 Amended: ${release.correctionReason}` }
        : {}),
    },
    observations: content.observations.map(({ fullUrl, resource }) => ({
      fullUrl,
      resource: { ...resource, status: release.status, issued },
    })),
  };
}

/** The critical findings of a version: every Observation the hub flagged LL or HH. */
export function criticalFindings(content: BuiltReport): CriticalFinding[] {
  return content.observations.flatMap(({ fullUrl, resource }) => {
    const flag = resource.interpretation?.[0]?.coding?.[0]?.code;
    if (flag !== 'LL' && flag !== 'HH') return [];
    const coding = resource.code.coding?.[0];
    return [
      {
        observationFullUrl: fullUrl,
        code: coding?.code ?? '',
        display: coding?.display ?? '',
        displayZh: resource.code.text ?? '',
        value: resource.valueQuantity?.value,
        unit: resource.valueQuantity?.unit,
        flag,
      },
    ];
  });
}
