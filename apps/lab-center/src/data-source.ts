import { type DataSource } from 'typeorm';
import { type EntityClass, buildCentreDataSource } from '@hub/centre';
import { CentreInit1763880000100 } from './migrations/1763880000100-CentreInit';
import { CentreOrderCancel1763880000500 } from './migrations/1763880000500-CentreOrderCancel';
import { CentreOutboxDelay1763880000800 } from './migrations/1763880000800-CentreOutboxDelay';
import { LabReports1763880000200 } from './migrations/1763880000200-LabReports';
import { LabWorkflow1763880000810 } from './migrations/1763880000810-LabWorkflow';
import { LabReport } from './result/result.entity';
import { Specimen, TransportBatch } from './specimen/specimen.entity';

/** The lab centre's schema: the only one it reads and writes. */
export const SCHEMA = 'lab' as const;

/** The app's own tables, besides `received_order` and `outbox`. */
export const entities: EntityClass[] = [LabReport, Specimen, TransportBatch];

/** The schema's migrations, oldest first. Never edit one that has landed: add another. */
export const migrations = [
  CentreInit1763880000100,
  LabReports1763880000200,
  CentreOrderCancel1763880000500,
  CentreOutboxDelay1763880000800,
  LabWorkflow1763880000810,
];

/** The lab centre's DataSource, for `npm run migrate` and the tests. */
export function buildDataSource(url: string): DataSource {
  return buildCentreDataSource(SCHEMA, url, { entities, migrations });
}
