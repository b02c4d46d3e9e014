import { type DataSource } from 'typeorm';
import { createAppDataSource, OutboxMessage } from '@hub/persistence';
import { GatewayInit1763880000000 } from './migrations/1763880000000-GatewayInit';
import { AuditAndAccounts1763880000300 } from './migrations/1763880000300-AuditAndAccounts';
import { Hl7MessageLog1763880000400 } from './migrations/1763880000400-Hl7MessageLog';
import { DeliveryEndpoints1763880000600 } from './migrations/1763880000600-DeliveryEndpoints';
import { Hl7Peers1763880000700 } from './migrations/1763880000700-Hl7Peers';
import { OutboxDelay1763880000800 } from './migrations/1763880000800-OutboxDelay';
import { LabSpecimens1763880000810 } from './migrations/1763880000810-LabSpecimens';
import { ImagingAccession1763880000910 } from './migrations/1763880000910-ImagingAccession';
import { Recognition1763880000920 } from './migrations/1763880000920-Recognition';
import { RecognitionDecisions1763880000930 } from './migrations/1763880000930-RecognitionDecisions';
import { PatientLinks1763880000940 } from './migrations/1763880000940-PatientLinks';
import { PatientMerges1763880000950 } from './migrations/1763880000950-PatientMerges';
import { ServiceOrderCreatedIndex1763880000970 } from './migrations/1763880000970-ServiceOrderCreatedIndex';
import { CriticalValues1763880000900 } from './migrations/1763880000900-CriticalValues';

/** The gateway's own schema: the consortium record. */
export const SCHEMA = 'gateway';

export const migrations = [
  GatewayInit1763880000000,
  AuditAndAccounts1763880000300,
  Hl7MessageLog1763880000400,
  DeliveryEndpoints1763880000600,
  Hl7Peers1763880000700,
  OutboxDelay1763880000800,
  LabSpecimens1763880000810,
  CriticalValues1763880000900,
  ImagingAccession1763880000910,
  Recognition1763880000920,
  RecognitionDecisions1763880000930,
  PatientLinks1763880000940,
  PatientMerges1763880000950,
  ServiceOrderCreatedIndex1763880000970,
];

/** Entities mapped with TypeORM; the FHIR store itself uses SQL through the same manager. */
export const entities = [OutboxMessage];

/** The gateway's DataSource (also used by the migrate and seed scripts). */
export function buildDataSource(url: string): DataSource {
  return createAppDataSource({ url, schema: SCHEMA, entities, migrations });
}
