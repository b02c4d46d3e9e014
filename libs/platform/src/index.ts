export * from './config';
export * from './logging';
export * from './redis';
export * from './shutdown';
export * from './startup-checks';
export * from './health';
export * from './message-client';
export * from './database-unavailable';
