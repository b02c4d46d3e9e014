import { type DynamicModule, Inject, Module, type OnModuleInit, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';
import { type Centre } from '@hub/contracts';
import { OutboxMessage, appDataSourceOptions, createAppDataSource } from '@hub/persistence';
import {
  CENTRE_CONFIG,
  type CentreConfig,
  loadCentreConfig,
  messageNamespace,
} from './centre-config';
import { CentreExceptionFilter } from './centre-exception.filter';
import { centreHealthController } from './centre-health.controller';
import { CentreHealthService } from './centre-health.service';
import { CentreOrder } from './centre-order.entity';
import { CentreOrderProcessor } from './centre-order.processor';
import {
  CENTRE_ORDER_HOOK,
  type CentreOrderHook,
  CentreOrderService,
} from './centre-order.service';
import { CentreOutboxService } from './centre-outbox.service';

/** An entity as TypeORM takes it: a decorated class or a schema. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function | EntitySchema;

/** The tables every centre schema has; an app's DataSource lists them with its own. */
export const centreEntities: EntityClass[] = [CentreOrder, OutboxMessage];

/**
 * A centre's DataSource (for `npm run migrate`, the seed and the tests): its own schema, the
 * shared tables plus the app's own entities, and the app's migrations.
 */
export function buildCentreDataSource(
  centre: Centre,
  url: string,
  options: { entities?: EntityClass[]; migrations: Array<new () => MigrationInterface> },
): DataSource {
  return createAppDataSource({
    url,
    schema: centre,
    entities: [...centreEntities, ...(options.entities ?? [])],
    migrations: options.migrations,
  });
}

export interface CentreModuleOptions {
  /** The app's own entities, besides `received_order` and `outbox`. */
  entities?: EntityClass[];
  /** Runs inside the transaction that records a newly received order. */
  orderHook?: Type<CentreOrderHook>;
}

/** Holds the parsed configuration, so TypeORM's factory and the centre's providers share it. */
@Module({})
class CentreConfigModule {}

/**
 * What every centre app shares: its configuration, its schema (TypeORM), the routed-order
 * processor, the outbox relay to the hub and health over HTTP and messages. An app imports
 * `CentreModule.forCentre(centre, { entities })` once, beside its own feature modules; the module is
 * global, so those can inject `CentreOutboxService`, `CentreOrderService` and `CENTRE_CONFIG`.
 */
@Module({})
export class CentreModule implements OnModuleInit {
  constructor(@Inject(CENTRE_CONFIG) private readonly config: CentreConfig) {}

  static forCentre(centre: Centre, options: CentreModuleOptions = {}): DynamicModule {
    const config: DynamicModule = {
      module: CentreConfigModule,
      providers: [{ provide: CENTRE_CONFIG, useFactory: () => loadCentreConfig(centre) }],
      exports: [CENTRE_CONFIG],
    };
    return {
      module: CentreModule,
      global: true,
      imports: [
        config,
        TypeOrmModule.forRootAsync({
          imports: [config],
          inject: [CENTRE_CONFIG],
          useFactory: (parsed: CentreConfig) =>
            appDataSourceOptions({
              url: parsed.DATABASE_URL,
              schema: centre,
              entities: [...centreEntities, ...(options.entities ?? [])],
              // The app never migrates itself: `npm run migrate` runs the app's `buildDataSource`.
              migrations: [],
              connectTimeoutMs: parsed.DB_CONNECT_TIMEOUT_MS,
            }),
        }),
      ],
      controllers: [centreHealthController(centre)],
      providers: [
        { provide: APP_FILTER, useClass: CentreExceptionFilter },
        CentreHealthService,
        CentreOutboxService,
        CentreOrderService,
        CentreOrderProcessor,
        ...(options.orderHook ? [{ provide: CENTRE_ORDER_HOOK, useClass: options.orderHook }] : []),
      ],
      exports: [config, CentreOutboxService, CentreOrderService],
    };
  }

  onModuleInit(): void {
    // The message handlers took their pattern namespace from the environment when they were
    // declared (see messageNamespace); a different configured prefix would leave them deaf.
    if (messageNamespace() !== this.config.REDIS_PREFIX) {
      throw new Error(
        `the ${this.config.centre} centre's message handlers listen under "${messageNamespace()}" ` +
          `but REDIS_PREFIX is "${this.config.REDIS_PREFIX}": set REDIS_PREFIX in the environment ` +
          'before the app module is imported',
      );
    }
  }
}
