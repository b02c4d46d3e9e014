import { centreInitMigration } from '@hub/centre';

/** `ecg.received_order` and `ecg.outbox`, the tables every centre has (see libs/centre). */
export class CentreInit1763880000100 extends centreInitMigration('ecg') {}
