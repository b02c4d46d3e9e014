import { centreCancelMigration } from '@hub/centre';

/** Orders can be cancelled by the clinic (see libs/centre). */
export class CentreOrderCancel1763880000500 extends centreCancelMigration('imaging') {}
