import { centreReadingMigration } from '@hub/centre';

/** `ecg.reading` and `ecg.report`: the cardiologists' claims and the report versions (libs/centre). */
export class EcgReading1763880000860 extends centreReadingMigration(
  'ecg',
  'EcgReading1763880000860',
) {}
