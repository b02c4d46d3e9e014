export * from './critical-value-config';
export * from './read-back';
export * from './contacts';
export * from './communication';
