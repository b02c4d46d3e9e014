import { Injectable } from '@nestjs/common';
import type { Observation, ServiceRequest } from 'fhir/r4';
import { z } from 'zod';
import { type EcgStatement, MessageNames } from '@hub/contracts';
import { type StoredResource } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { fullAccess } from '../fhir/access-scope';
import { FhirStore } from '../fhir/fhir-store.service';
import { parseBody } from '../http/parse-body';
import {
  CentreReadingService,
  type ReadingViewWithContext,
  readerOf,
} from '../reading/centre-reading.service';
import { ReadingContextRepository } from '../reading/reading-context.repository';

const draftBody = z.object({
  statements: z.array(z.string().trim().min(1).max(32)).max(30).default([]),
  text: z.string().trim().max(5000).optional(),
  critical: z
    .object({ text: z.string().trim().min(2).max(1000) })
    .nullable()
    .optional(),
});

/** LOINC 11524-6: the ECG study, the code of every recording's Observation. */
const ECG_STUDY = '11524-6';
const MEASUREMENT_SYSTEM = 'urn:hub:ecg-measurement';

/** One ECG of the patient as the reading shows it: when, which order, the measurements. */
export interface EcgSummary {
  observationId: string;
  orderId?: string;
  effectiveDateTime?: string;
  status: string;
  /** `hub.*` and `cart.*` measurement codes → value and unit. */
  measurements: Record<string, { value: number; unit?: string }>;
  flags: string[];
}

/** The reading with its recordings and the patient's previous ECGs, for the cardiologist. */
export interface EcgReadingView extends ReadingViewWithContext {
  recordings: EcgSummary[];
  previous: EcgSummary[];
}

/**
 * The cardiologists' reading (心电图诊断) through the gateway: a draft is a list of catalogue
 * statements plus free text. The reading view adds the order's recordings and the patient's
 * previous ECGs from the consortium record, with their measurements, for comparison.
 */
@Injectable()
export class EcgReadingService extends CentreReadingService {
  constructor(
    centres: CentreClient,
    audit: AuditService,
    context: ReadingContextRepository,
    private readonly store: FhirStore,
  ) {
    super('ecg', centres, audit, context);
  }

  statements(): Promise<EcgStatement[]> {
    return this.centres.send<EcgStatement[]>('ecg', MessageNames.EcgStatements, {});
  }

  draft(
    orderId: string,
    body: unknown,
    principal: Principal,
    agent: AuditAgent,
  ): Promise<ReadingViewWithContext> {
    const parsed = parseBody(draftBody, body);
    return this.command(MessageNames.EcgDraft, 'reading-draft', orderId, agent, {
      orderId,
      reader: readerOf(principal),
      ...parsed,
    });
  }

  /** The reading, the order's recordings and up to five previous ECGs of the same patient. */
  async view(orderId: string, agent: AuditAgent): Promise<EcgReadingView> {
    const reading = await this.get(orderId, agent);
    // The centre knew the order (or `get` would have thrown): the cardiologist reads its patient.
    const order = await this.store.find<ServiceRequest & StoredResource>(
      'ServiceRequest',
      orderId,
      fullAccess,
    );
    const patient = /^Patient\/(.+)$/.exec(order?.subject?.reference ?? '')?.[1];
    const rows = patient
      ? await this.store.manager.query<Array<{ content: Observation }>>(
          `SELECT r.content FROM gateway.fhir_resource r
             JOIN gateway.fhir_search_reference s
               ON s.resource_type = r.resource_type AND s.resource_id = r.id
              AND s.param = 'subject' AND s.target_type = 'Patient' AND s.target_id = $1
             JOIN gateway.fhir_search_token t
               ON t.resource_type = r.resource_type AND t.resource_id = r.id
              AND t.param = 'code' AND t.value = $2
            WHERE r.resource_type = 'Observation'
            ORDER BY r.content ->> 'effectiveDateTime' DESC NULLS LAST
            LIMIT 50`,
          [patient, ECG_STUDY],
        )
      : [];
    const summaries = rows.map((row) => summarise(row.content));
    const previous = summaries.filter((s) => s.orderId !== orderId).slice(0, 5);
    // Another order's ECG of the patient is shown for comparison: a read of its own.
    for (const shown of previous) {
      const resource = rows.find((row) => row.content.id === shown.observationId)?.content;
      if (resource)
        await this.store.auditAccess(
          this.store.manager,
          'R',
          'ecg-compare',
          resource as Observation & StoredResource,
          agent,
        );
    }
    return {
      ...reading,
      recordings: summaries.filter((s) => s.orderId === orderId),
      previous,
    };
  }
}

/** An ECG Observation's measurements and flags, as the reading compares them. */
export function summarise(observation: Observation): EcgSummary {
  const measurements: EcgSummary['measurements'] = {};
  for (const component of observation.component ?? []) {
    const code = component.code.coding?.find((c) => c.system === MEASUREMENT_SYSTEM)?.code;
    const value = component.valueQuantity?.value;
    if (code && typeof value === 'number')
      measurements[code] = {
        value,
        ...(component.valueQuantity?.unit ? { unit: component.valueQuantity.unit } : {}),
      };
  }
  const orderId = /^ServiceRequest\/(.+)$/.exec(observation.basedOn?.[0]?.reference ?? '')?.[1];
  return {
    observationId: observation.id ?? '',
    ...(orderId ? { orderId } : {}),
    ...(observation.effectiveDateTime ? { effectiveDateTime: observation.effectiveDateTime } : {}),
    status: observation.status,
    measurements,
    flags: (observation.interpretation ?? []).map((i) => i.text ?? i.coding?.[0]?.code ?? ''),
  };
}
