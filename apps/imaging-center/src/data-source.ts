import { type DataSource } from 'typeorm';
import { type EntityClass, Reading, ReportVersion, buildCentreDataSource } from '@hub/centre';
import { CentreInit1763880000100 } from './migrations/1763880000100-CentreInit';
import { CentreOrderCancel1763880000500 } from './migrations/1763880000500-CentreOrderCancel';
import { CentreOutboxDelay1763880000800 } from './migrations/1763880000800-CentreOutboxDelay';
import { ImagingArchive1763880000820 } from './migrations/1763880000820-ImagingArchive';
import { ImagingReading1763880000830 } from './migrations/1763880000830-ImagingReading';
import { ImagingReportCoded1763880000840 } from './migrations/1763880000840-ImagingReportCoded';
import { ImagingInstance, ImagingSeries, ImagingStudy, OrderAccession } from './study/study.entity';

/** The imaging centre's schema: the only one it reads and writes. */
export const SCHEMA = 'imaging' as const;

/** The app's own tables, besides `received_order` and `outbox`. */
export const entities: EntityClass[] = [
  ImagingStudy,
  ImagingSeries,
  ImagingInstance,
  OrderAccession,
  Reading,
  ReportVersion,
];

/** The schema's migrations, oldest first. Never edit one that has landed: add another. */
export const migrations = [
  CentreInit1763880000100,
  CentreOrderCancel1763880000500,
  CentreOutboxDelay1763880000800,
  ImagingArchive1763880000820,
  ImagingReading1763880000830,
  ImagingReportCoded1763880000840,
];

/** The imaging centre's DataSource, for `npm run migrate` and the tests. */
export function buildDataSource(url: string): DataSource {
  return buildCentreDataSource(SCHEMA, url, { entities, migrations });
}
