import { type DataSource } from 'typeorm';
import { type EntityClass, Reading, ReportVersion, buildCentreDataSource } from '@hub/centre';
import {
  PathologyBatch,
  PathologyBlock,
  PathologyCase,
  PathologyCaseEvent,
  PathologySlide,
  PathologySpecimen,
} from './case/case.entity';
import { CentreInit1763880000100 } from './migrations/1763880000100-CentreInit';
import { CentreOrderCancel1763880000500 } from './migrations/1763880000500-CentreOrderCancel';
import { CentreOutboxDelay1763880000800 } from './migrations/1763880000800-CentreOutboxDelay';
import { PathologyCase1763880000850 } from './migrations/1763880000850-PathologyCase';
import { PathologyReading1763880000860 } from './migrations/1763880000860-PathologyReading';
import { PathologyTransport1763880000870 } from './migrations/1763880000870-PathologyTransport';

/** The pathology centre's schema: the only one it reads and writes. */
export const SCHEMA = 'pathology' as const;

/** The app's own tables, besides `received_order` and `outbox`. */
export const entities: EntityClass[] = [
  PathologyCase,
  PathologySpecimen,
  PathologyBatch,
  PathologyBlock,
  PathologySlide,
  PathologyCaseEvent,
  Reading,
  ReportVersion,
];

/** The schema's migrations, oldest first. Never edit one that has landed: add another. */
export const migrations = [
  CentreInit1763880000100,
  CentreOrderCancel1763880000500,
  CentreOutboxDelay1763880000800,
  PathologyCase1763880000850,
  PathologyReading1763880000860,
  PathologyTransport1763880000870,
];

/** The pathology centre's DataSource, for `npm run migrate` and the tests. */
export function buildDataSource(url: string): DataSource {
  return buildCentreDataSource(SCHEMA, url, { entities, migrations });
}
