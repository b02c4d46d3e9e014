import { centreInitMigration } from '@hub/centre';

/** `pathology.received_order` and `pathology.outbox`, the tables every centre has (see libs/centre). */
export class CentreInit1763880000100 extends centreInitMigration('pathology') {}
