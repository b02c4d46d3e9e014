export * from './reading-engine';
export * from './reading.entity';
export * from './reading-requests';
export * from './reading-migration';
export * from './reading-messages';
export * from './report-parts';
