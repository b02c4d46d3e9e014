import { randomUUID } from 'node:crypto';
import type { DiagnosticReport, Observation } from 'fhir/r4';
import { type SubmittedResult } from '@hub/contracts';
import { type AnalyteDefinition, type CatalogueItem, interpret } from '@hub/consortium';
import { Systems } from '@hub/fhir';

export type Validation =
  { ok: true } | { ok: false; status: 400 | 422; diagnostics: string; expression: string[] };

const INTERPRETATION_DISPLAY = { H: 'High', L: 'Low', N: 'Normal' } as const;

/**
 * Checks submitted results against the ordered item: each code must be an analyte the item
 * reports, each value a finite number, a unit (when given) the analyte's UCUM unit, no analyte twice.
 */
export function validateResults(
  results: SubmittedResult[],
  item: CatalogueItem,
  analytes: Map<string, AnalyteDefinition>,
): Validation {
  if (!Array.isArray(results) || results.length === 0) {
    return {
      ok: false,
      status: 400,
      diagnostics: 'results: at least one result is required',
      expression: ['results'],
    };
  }
  const expected = item.members ?? [item.code];
  const seen = new Set<string>();
  for (const [i, result] of results.entries()) {
    const analyte = analytes.get(result.code);
    if (!expected.includes(result.code) || !analyte) {
      return {
        ok: false,
        status: 422,
        diagnostics: `results[${i}].code ${result.code} is not reported by ${item.code} (${item.display}); expected one of ${expected.join(', ')}`,
        expression: [`results[${i}].code`],
      };
    }
    if (seen.has(result.code)) {
      return {
        ok: false,
        status: 422,
        diagnostics: `results[${i}].code ${result.code} appears twice`,
        expression: [`results[${i}].code`],
      };
    }
    seen.add(result.code);
    if (typeof result.value !== 'number' || !Number.isFinite(result.value)) {
      return {
        ok: false,
        status: 400,
        diagnostics: `results[${i}].value must be a finite number`,
        expression: [`results[${i}].value`],
      };
    }
    if (result.unit !== undefined && result.unit !== analyte.unit) {
      return {
        ok: false,
        status: 422,
        diagnostics: `results[${i}].unit "${result.unit}" does not match the configured UCUM unit "${analyte.unit}" of ${result.code}`,
        expression: [`results[${i}].unit`],
      };
    }
  }
  return { ok: true };
}

export interface BuiltReport {
  reportId: string;
  diagnosticReport: DiagnosticReport;
  observations: Array<{ fullUrl: string; resource: Observation }>;
}

/**
 * Builds the Observations (LOINC code, UCUM quantity, reference range, H/L/N computed here from
 * the configured range, never taken from the analyser) and the final DiagnosticReport. The subject
 * is added by the gateway, which owns the patient.
 */
export function buildLabReport(options: {
  orderId: string;
  item: CatalogueItem;
  results: SubmittedResult[];
  analytes: Map<string, AnalyteDefinition>;
  performer: { reference?: string; display: string };
  issued: Date;
}): BuiltReport {
  const issued = options.issued.toISOString();
  const basedOn = [{ reference: `ServiceRequest/${options.orderId}` }];
  const observations = options.results.map((result) => {
    const analyte = options.analytes.get(result.code) as AnalyteDefinition;
    const flag = interpret(result.value, analyte.low, analyte.high);
    const quantity = (value: number) => ({
      value,
      unit: analyte.unit,
      system: Systems.Ucum,
      code: analyte.unit,
    });
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            { system: Systems.ObservationCategory, code: 'laboratory', display: 'Laboratory' },
          ],
        },
      ],
      code: {
        coding: [{ system: Systems.Loinc, code: analyte.code, display: analyte.display }],
        text: `${analyte.displayZh} ${analyte.display}`,
      },
      basedOn,
      effectiveDateTime: result.effectiveDateTime ?? issued,
      issued,
      performer: [options.performer],
      valueQuantity: quantity(result.value),
      interpretation: [
        {
          coding: [
            {
              system: Systems.ObservationInterpretation,
              code: flag,
              display: INTERPRETATION_DISPLAY[flag],
            },
          ],
        },
      ],
      referenceRange: [
        {
          ...(analyte.low !== undefined ? { low: quantity(analyte.low) } : {}),
          ...(analyte.high !== undefined ? { high: quantity(analyte.high) } : {}),
        },
      ],
    };
    return { fullUrl: `urn:uuid:${randomUUID()}`, resource };
  });
  const diagnosticReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    status: 'final',
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
    effectiveDateTime: observations.map((o) => o.resource.effectiveDateTime as string).sort()[0],
    issued,
    performer: [options.performer],
    result: observations.map((o) => ({ reference: o.fullUrl })),
  };
  return { reportId: randomUUID(), diagnosticReport, observations };
}
