export * from './bootstrap-centre';
export * from './centre-config';
export * from './centre-health.service';
export * from './centre-migrations';
export * from './centre-order.entity';
export * from './centre-order.service';
export * from './centre-outbox.service';
export * from './centre.module';
