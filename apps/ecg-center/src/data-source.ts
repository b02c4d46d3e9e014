import { type DataSource } from 'typeorm';
import { type EntityClass, Reading, ReportVersion, buildCentreDataSource } from '@hub/centre';
import { CentreInit1763880000100 } from './migrations/1763880000100-CentreInit';
import { CentreOrderCancel1763880000500 } from './migrations/1763880000500-CentreOrderCancel';
import { CentreOutboxDelay1763880000800 } from './migrations/1763880000800-CentreOutboxDelay';
import { EcgRecording1763880000850 } from './migrations/1763880000850-EcgRecording';
import { EcgReading1763880000860 } from './migrations/1763880000860-EcgReading';
import { EcgRecordingRow } from './recording/recording.entity';

/** The ecg centre's schema: the only one it reads and writes. */
export const SCHEMA = 'ecg' as const;

/** The app's own tables, besides `received_order` and `outbox`. */
export const entities: EntityClass[] = [EcgRecordingRow, Reading, ReportVersion];

/** The schema's migrations, oldest first. Never edit one that has landed: add another. */
export const migrations = [
  CentreInit1763880000100,
  CentreOrderCancel1763880000500,
  CentreOutboxDelay1763880000800,
  EcgRecording1763880000850,
  EcgReading1763880000860,
];

/** The ecg centre's DataSource, for `npm run migrate` and the tests. */
export function buildDataSource(url: string): DataSource {
  return buildCentreDataSource(SCHEMA, url, { entities, migrations });
}
