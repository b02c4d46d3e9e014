import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics. Labels carry message types, facility codes and ACK codes,
 * never anything about a patient.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly hl7Messages = new Counter({
    name: 'hub_hl7_messages_total',
    help: 'HL7 v2 messages handled, by direction, message type, facility and ACK code',
    labelNames: ['direction', 'type', 'facility', 'ack'] as const,
    registers: [this.registry],
  });

  readonly hl7Latency = new Histogram({
    name: 'hub_hl7_processing_seconds',
    help: 'Time from receiving an HL7 v2 message to its ACK, by message type and facility',
    labelNames: ['type', 'facility'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hub_gateway_' });
  }

  /** Records one handled inbound or outbound message. */
  recordHl7(
    direction: 'in' | 'out',
    type: string,
    facility: string,
    ack: string,
    seconds: number,
  ): void {
    const labels = { type: type || 'unknown', facility: facility || 'unknown' };
    this.hl7Messages.inc({ direction, ...labels, ack });
    this.hl7Latency.observe(labels, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
