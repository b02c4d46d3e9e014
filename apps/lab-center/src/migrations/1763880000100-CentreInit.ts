import { centreInitMigration } from '@hub/centre';

/** `lab.received_order` and `lab.outbox`, the tables every centre has (see libs/centre). */
export class CentreInit1763880000100 extends centreInitMigration('lab') {}
