import { Controller, type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type MigrationInterface } from 'typeorm';
import { type Centre, MessageNames, centrePattern } from '@hub/contracts';
import { OutboxMessage, appDataSourceOptions } from '@hub/persistence';
import { loggerOptions, maskingStream } from '@hub/platform';
import { CENTRE_CONFIG, type CentreConfig, patternNamespace } from './centre-config';
import { CentreHealthController } from './centre-health.controller';
import { CentreHealthService } from './centre-health.service';
import { CentreOrder } from './centre-order.entity';
import { CentreOrderProcessor } from './centre-order.processor';
import { CentreOrderService } from './centre-order.service';
import { CentreOutboxService } from './centre-outbox.service';

export interface CentreModuleOptions {
  /** The app's own entities besides the shared ones. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: Function[];
  migrations: Array<new () => MigrationInterface>;
}

/**
 * What every centre app shares: its database schema, the routed-order processor, the outbox relay
 * to the hub, health over HTTP and over messages, structured logs. The app adds its own modules.
 */
@Module({})
export class CentreModule {
  static forCentre(
    centre: Centre,
    config: CentreConfig,
    options: CentreModuleOptions,
  ): DynamicModule {
    @Controller()
    class CentreMessagesController {
      constructor(private readonly health: CentreHealthService) {}

      @MessagePattern(centrePattern(patternNamespace(), centre, MessageNames.Health))
      reply() {
        return this.health.reply();
      }
    }

    @Global()
    @Module({ providers: [{ provide: CENTRE_CONFIG, useValue: config }], exports: [CENTRE_CONFIG] })
    class CentreConfigModule {}

    return {
      module: CentreModule,
      global: true,
      imports: [
        CentreConfigModule,
        LoggerModule.forRoot({
          pinoHttp: [
            {
              ...loggerOptions(`${centre}-center`, config.LOG_LEVEL),
              autoLogging: { ignore: (req) => req.url === '/health' },
            },
            maskingStream(),
          ],
        }),
        TypeOrmModule.forRoot(
          appDataSourceOptions({
            url: config.DATABASE_URL,
            schema: centre,
            entities: [CentreOrder, OutboxMessage, ...(options.entities ?? [])],
            migrations: options.migrations,
          }),
        ),
      ],
      controllers: [CentreHealthController, CentreMessagesController as Type<unknown>],
      providers: [
        CentreHealthService,
        CentreOutboxService,
        CentreOrderService,
        CentreOrderProcessor,
      ],
      exports: [CentreOutboxService, CentreOrderService, CentreHealthService],
    };
  }
}
