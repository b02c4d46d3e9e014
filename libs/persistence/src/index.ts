export * from './data-source';
export * from './outbox.entity';
export * from './outbox';
export * from './outbox-relay';
