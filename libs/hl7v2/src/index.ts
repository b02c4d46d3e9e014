export * from './mllp';
export * from './charset';
export * from './message';
export * from './ack';
