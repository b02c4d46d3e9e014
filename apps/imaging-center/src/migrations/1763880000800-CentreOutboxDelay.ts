import { centreOutboxDelayMigration } from '@hub/centre';

/** Outbox rows may carry a delay (see libs/centre). */
export class CentreOutboxDelay1763880000800 extends centreOutboxDelayMigration('imaging') {}
