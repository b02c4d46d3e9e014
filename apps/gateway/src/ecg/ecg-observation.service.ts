import { Injectable, Logger } from '@nestjs/common';
import type { Observation, ServiceRequest } from 'fhir/r4';
import {
  type EcgRecordingStoredPayload,
  type EcgRecordingView,
  MessageNames,
} from '@hub/contracts';
import { type StoredResource } from '@hub/fhir';
import { systemAgent } from '../audit/accessor';
import { CentreClient } from '../centre-link/centre-client.service';
import { FhirStore } from '../fhir/fhir-store.service';

/**
 * Writes each stored ECG recording into the consortium record as an Observation (LOINC 11524-6,
 * id = the recording id, `basedOn` the order, the order's patient as subject, the same owners as
 * the order), re-read from the ECG centre with `ecg.recording.get`. Idempotent: a recording already
 * in the record is left as it is (its report's release makes it `final`, which a late event must
 * not undo).
 */
@Injectable()
export class EcgObservationService {
  private readonly logger = new Logger(EcgObservationService.name);

  constructor(
    private readonly store: FhirStore,
    private readonly centres: CentreClient,
  ) {}

  async apply(event: Pick<EcgRecordingStoredPayload, 'recordingId' | 'traceId'>): Promise<void> {
    // After an upload through the gateway the event finds it written: no need to fetch ~300 kB.
    const known = await this.store.manager.query<unknown[]>(
      `SELECT 1 FROM gateway.fhir_resource WHERE resource_type = 'Observation' AND id = $1`,
      [event.recordingId],
    );
    if (known.length) return;
    const recording = await this.centres.send<EcgRecordingView | null>(
      'ecg',
      MessageNames.EcgRecordingGet,
      { recordingId: event.recordingId },
    );
    if (!recording) throw new Error(`the ECG centre does not know recording ${event.recordingId}`);
    await this.write(recording, event.traceId);
  }

  /** Writes a recording's Observation unless the record has it already. */
  async write(
    recording: Pick<EcgRecordingView, 'recordingId' | 'orderId' | 'observation'>,
    traceId: string,
  ): Promise<void> {
    const written = await this.store.transaction(async (manager) => {
      const order = await this.store.lockForUpdate<ServiceRequest & StoredResource>(
        manager,
        'ServiceRequest',
        recording.orderId,
      );
      if (!order)
        throw new Error(
          `recording ${recording.recordingId}: order ${recording.orderId} is not known`,
        );
      const existing = await this.store.lockForUpdate<Observation & StoredResource>(
        manager,
        'Observation',
        recording.recordingId,
      );
      if (existing) return false;
      const rows = await manager.query<Array<{ owner_orgs: string[] }>>(
        `SELECT owner_orgs FROM gateway.fhir_resource WHERE resource_type = 'ServiceRequest' AND id = $1`,
        [recording.orderId],
      );
      const observation = {
        ...(recording.observation as unknown as Observation),
        id: recording.recordingId,
        subject: order.subject,
      };
      await this.store.create(
        manager,
        observation,
        rows[0]?.owner_orgs ?? [],
        systemAgent('ecg-center', 'ECG'),
      );
      return true;
    });
    if (written)
      this.logger.log(
        { recordingId: recording.recordingId, orderId: recording.orderId, traceId },
        'ECG recording recorded as Observation',
      );
  }
}
