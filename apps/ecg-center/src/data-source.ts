import { type DataSource } from 'typeorm';
import { type EntityClass, buildCentreDataSource } from '@hub/centre';
import { CentreInit1763880000100 } from './migrations/1763880000100-CentreInit';
import { CentreOrderCancel1763880000500 } from './migrations/1763880000500-CentreOrderCancel';
import { CentreOutboxDelay1763880000800 } from './migrations/1763880000800-CentreOutboxDelay';

/** The ecg centre's schema: the only one it reads and writes. */
export const SCHEMA = 'ecg' as const;

/** The app's own tables, besides `received_order` and `outbox`. */
export const entities: EntityClass[] = [];

/** The schema's migrations, oldest first. Never edit one that has landed: add another. */
export const migrations = [
  CentreInit1763880000100,
  CentreOrderCancel1763880000500,
  CentreOutboxDelay1763880000800,
];

/** The ecg centre's DataSource, for `npm run migrate` and the tests. */
export function buildDataSource(url: string): DataSource {
  return buildCentreDataSource(SCHEMA, url, { entities, migrations });
}
