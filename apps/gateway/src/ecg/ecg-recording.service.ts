import { Injectable } from '@nestjs/common';
import { type Request } from 'express';
import type { Observation } from 'fhir/r4';
import { type EcgIngestReply, type EcgRecordingSummary, MessageNames } from '@hub/contracts';
import { recordingFromObservation, renderEcgSvg } from '@hub/ecg';
import { FhirError, type StoredResource } from '@hub/fhir';
import { type AuditAgent } from '../audit/accessor';
import { AuditService } from '../audit/audit.service';
import { type Principal, hasAnyRole } from '../auth/principal';
import { CentreClient } from '../centre-link/centre-client.service';
import { accessorFor } from '../fhir/fhir-access';
import { FhirStore } from '../fhir/fhir-store.service';
import { refusal } from '../http/parse-body';
import { ECG_FILE_TYPES } from '../security/http-hardening';
import { EcgObservationService } from './ecg-observation.service';
import { summarise } from './ecg-reading.service';

const ORDER_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * ECG recordings at the gateway: uploads are handed to the ECG centre (which parses, measures and
 * stores them, or refuses them with the reason), audited, and written into the record at once from
 * the centre's answer (the `hub.ecg-events` job does the same for recordings that came another
 * way, and is then a no-op).
 * The render draws a recording's Observation, read with the caller's access to the record.
 */
@Injectable()
export class EcgRecordingService {
  constructor(
    private readonly centres: CentreClient,
    private readonly audit: AuditService,
    private readonly observations: EcgObservationService,
    private readonly store: FhirStore,
  ) {}

  async upload(
    contentType: string | undefined,
    body: unknown,
    order: unknown,
    principal: Principal,
    agent: AuditAgent,
    traceId: string,
  ): Promise<{ recording: EcgRecordingSummary; duplicate: boolean }> {
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!ECG_FILE_TYPES.includes(type))
      throw new FhirError(
        415,
        'not-supported',
        `send the recording as application/dicom (DICOM 12-lead or General ECG waveform) or application/xml (HL7 aECG), not ${type || 'no content type'}`,
      );
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw FhirError.badRequest('the request has no file: send the recording as the body');
    if (order !== undefined && (typeof order !== 'string' || !ORDER_ID.test(order)))
      throw FhirError.badRequest('order must be the id of the ECG ServiceRequest', ['order']);
    const reply = await this.centres.send<EcgIngestReply>('ecg', MessageNames.EcgIngest, {
      content: body.toString('base64'),
      contentType: type === 'application/dicom' ? 'application/dicom' : 'application/xml',
      ...(order ? { orderId: order } : {}),
      uploader: {
        username: principal.subject,
        org: principal.org,
        anyOrder: hasAnyRole(principal, ['cardiologist', 'admin']),
      },
      traceId,
    });
    await this.audit.record({
      type: '110110',
      subtype: 'ecg-upload',
      action: 'C',
      agent,
      entities: reply.ok
        ? [
            { type: 'ServiceRequest', id: reply.recording.orderId },
            { type: 'Observation', id: reply.recording.recordingId },
          ]
        : typeof order === 'string'
          ? [{ type: 'ServiceRequest', id: order }]
          : [],
      ...(reply.ok ? {} : { outcome: '4' as const, outcomeDesc: reply.diagnostics }),
    });
    if (!reply.ok) throw refusal(reply);
    await this.observations.write({ ...reply.recording, observation: reply.observation }, traceId);
    return { recording: reply.recording, duplicate: reply.duplicate };
  }

  /** The recording on ECG paper (25 mm/s; 10 mm/mV unless `gain` says 5 or 20). */
  async render(id: string, gain: unknown, principal: Principal, request: Request): Promise<string> {
    const gainMmPerMv = gain === undefined ? 10 : Number(gain);
    if (![5, 10, 20].includes(gainMmPerMv))
      throw FhirError.badRequest('gain must be 5, 10 or 20 (mm/mV)', ['gain']);
    const observation = await this.store.read<Observation & StoredResource>(
      'Observation',
      id,
      accessorFor(principal, request),
      'ecg-render',
    );
    const recording = recordingFromObservation(observation);
    if (!recording) throw FhirError.notFound(`Observation/${id} is not an ECG recording`);
    // The hub's measurements, as the Observation carries them, on the sheet's header.
    const m = summarise(observation).measurements;
    const v = (key: string) => (m[key] ? Math.round(m[key].value) : '—');
    const measured = m['hub.heart-rate']
      ? [
          `心率 ${v('hub.heart-rate')} 次/分  PR ${v('hub.pr')} ms  QRS ${v('hub.qrs')} ms  QT/QTc ${v('hub.qt')}/${v('hub.qtc-bazett')} ms  电轴 ${v('hub.qrs-axis')}°`,
          `HR ${v('hub.heart-rate')} bpm  PR ${v('hub.pr')} ms  QRS ${v('hub.qrs')} ms  QT/QTc ${v('hub.qt')}/${v('hub.qtc-bazett')} ms  Axis ${v('hub.qrs-axis')}°`,
        ]
      : ['未能自动测量 Not measured by the hub'];
    return renderEcgSvg(recording, {
      gainMmPerMv,
      title: [
        `心电图 ECG · ${observation.effectiveDateTime ?? ''} · ${observation.basedOn?.[0]?.reference ?? ''}`,
        ...measured,
      ],
      flags: (observation.interpretation ?? []).map((i) => i.text ?? ''),
    });
  }
}
