import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import {
  type EcgIngestReply,
  type EcgIngestRequest,
  MessageNames,
  centrePattern,
} from '@hub/contracts';
import { CENTRE_CONFIG, type CentreConfig } from '@hub/centre';
import { createMessageClient } from '@hub/platform';
import { EcgSopClasses } from '@hub/ecg';

/**
 * SOP classes of the resting ECGs the ECG centre reads (PS3.4 B.5): 12-lead ECG Waveform Storage
 * and General ECG Waveform Storage. The archive hands these to the ECG centre instead of keeping
 * them; other waveforms (and other objects of Modality ECG) stay in the archive.
 */
export const ECG_WAVEFORM_SOP_CLASSES: ReadonlySet<string> = new Set(Object.values(EcgSopClasses));

/**
 * The ECG centre gave no usable answer. `answered` false: no reply within the deadline, or Redis
 * could not carry the request; true: the centre's handler failed. Either way nothing is known to
 * be stored, and sending again is safe (the centre answers a file it has with what it stored).
 */
export class EcgForwardError extends Error {
  constructor(
    readonly answered: boolean,
    cause: unknown,
  ) {
    super(
      answered
        ? `the ECG centre failed: ${describe(cause)}`
        : `the ECG centre did not answer: ${describe(cause)}`,
      { cause },
    );
    this.name = 'EcgForwardError';
  }
}

/**
 * Hands ECG waveform objects received by STOW-RS to the ECG centre (`ecg.ingest` over Redis
 * request/reply, as the gateway's uploads go), with a deadline of MESSAGE_TIMEOUT_MS so a centre
 * that is down gives a clear failure instead of a hung STOW request.
 */
@Injectable()
export class EcgForwarder implements OnModuleDestroy {
  private readonly client: ClientProxy;

  constructor(@Inject(CENTRE_CONFIG) private readonly config: CentreConfig) {
    this.client = createMessageClient(config.REDIS_URL);
  }

  /**
   * The ECG centre's answer: the recording stored (or stored before), or its refusal.
   * @throws EcgForwardError when the centre gives no answer in time or fails.
   */
  async ingest(request: EcgIngestRequest): Promise<EcgIngestReply> {
    try {
      return await firstValueFrom(
        this.client
          .send<EcgIngestReply>(
            centrePattern(this.config.REDIS_PREFIX, 'ecg', MessageNames.EcgIngest),
            request,
          )
          .pipe(timeout(this.config.MESSAGE_TIMEOUT_MS)),
      );
    } catch (error) {
      // A handler's failure comes back as the plain `{ status, message }` the centre replied
      // with; a timeout or a transport failure is an Error (or the client's string rejection).
      const answered = typeof error === 'object' && error !== null && !(error instanceof Error);
      throw new EcgForwardError(answered, error);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.close();
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'object' && cause !== null) return JSON.stringify(cause);
  return String(cause);
}
