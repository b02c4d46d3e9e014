import { centreInitMigration } from '@hub/centre';

/** `imaging.received_order` and `imaging.outbox`, the tables every centre has (see libs/centre). */
export class CentreInit1763880000100 extends centreInitMigration('imaging') {}
