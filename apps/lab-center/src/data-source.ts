import { type DataSource } from 'typeorm';
import { CentreOrder, centreInitMigration } from '@hub/centre';
import { OutboxMessage, createAppDataSource } from '@hub/persistence';
import { LabReport } from './result/lab-report.entity';
import { LabReports1763880000200 } from './migrations/1763880000200-LabReports';
/** The lab centre's own schema. */
export const SCHEMA = 'lab';

export const migrations = [centreInitMigration('lab'), LabReports1763880000200];

/** Entities of this app besides the shared centre ones. */
export const appEntities = [LabReport];

/** The lab centre's DataSource (used by the migrate script and tests). */
export function buildDataSource(url: string): DataSource {
  return createAppDataSource({
    url,
    schema: SCHEMA,
    entities: [CentreOrder, OutboxMessage, ...appEntities],
    migrations,
  });
}
