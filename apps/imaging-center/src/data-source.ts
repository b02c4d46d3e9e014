import { type DataSource } from 'typeorm';
import { CentreOrder, centreInitMigration } from '@hub/centre';
import { OutboxMessage, createAppDataSource } from '@hub/persistence';

/** The imaging centre's own schema. */
export const SCHEMA = 'imaging';

export const migrations = [centreInitMigration('imaging')];

/** Entities of this app besides the shared centre ones. */
export const appEntities = [];

/** The imaging centre's DataSource (used by the migrate script and tests). */
export function buildDataSource(url: string): DataSource {
  return createAppDataSource({
    url,
    schema: SCHEMA,
    entities: [CentreOrder, OutboxMessage, ...appEntities],
    migrations,
  });
}
