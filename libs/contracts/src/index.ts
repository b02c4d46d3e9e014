export * from './queues';
export * from './jobs';
export * from './patterns';
export * from './pathology';
