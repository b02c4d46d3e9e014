import { type DataSource } from 'typeorm';
import { buildDataSource } from '../../../apps/gateway/src/data-source';
import { loadGatewayConfig } from '../../../apps/gateway/src/config';
import { AuditService } from '../../../apps/gateway/src/audit/audit.service';
import { ConsortiumService } from '../../../apps/gateway/src/consortium/consortium.service';
import { FhirSearchService } from '../../../apps/gateway/src/fhir/fhir-search.service';
import { FhirStore } from '../../../apps/gateway/src/fhir/fhir-store.service';
import { OrderIntakeService } from '../../../apps/gateway/src/order/order-intake.service';
import { PatientLinkService } from '../../../apps/gateway/src/patient/patient-link.service';
import { RecognitionService } from '../../../apps/gateway/src/recognition/recognition.service';
import { OutboxRelayService } from '../../../apps/gateway/src/order/outbox-relay.service';
import { PatientService } from '../../../apps/gateway/src/patient/patient.service';
import { TEST_DATABASE_URL } from '../../support/hub-harness';

/** The gateway's services wired by hand over the real test database and the real Redis. */
export interface GatewayFixture {
  dataSource: DataSource;
  store: FhirStore;
  search: FhirSearchService;
  intake: OrderIntakeService;
  relay: OutboxRelayService;
  prefix: string;
  close(): Promise<void>;
}

export async function gatewayFixture(): Promise<GatewayFixture> {
  const prefix = `it${process.pid}`;
  const config = loadGatewayConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_PREFIX: prefix,
    OUTBOX_POLL_MS: '60000',
  });
  const dataSource = buildDataSource(TEST_DATABASE_URL);
  await dataSource.initialize();
  const audit = new AuditService(dataSource);
  const store = new FhirStore(dataSource, audit);
  const relay = new OutboxRelayService(dataSource, config);
  const intake = new OrderIntakeService(
    store,
    new ConsortiumService(dataSource),
    new PatientService(store, new PatientLinkService(store, audit)),
    relay,
    new RecognitionService(store, audit),
    config,
  );
  return {
    dataSource,
    store,
    search: new FhirSearchService(dataSource, audit),
    intake,
    relay,
    prefix,
    async close() {
      await relay.onModuleDestroy();
      await dataSource.destroy();
    },
  };
}
