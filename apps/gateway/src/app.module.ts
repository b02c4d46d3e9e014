import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { appDataSourceOptions } from '@hub/persistence';
import { loggerOptions, maskingStream } from '@hub/platform';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CatalogueModule } from './catalogue/catalogue.module';
import { CentreLinkModule } from './centre-link/centre-link.module';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { ConsortiumModule } from './consortium/consortium.module';
import { CriticalValueModule } from './critical-value/critical-value.module';
import { entities, migrations, SCHEMA } from './data-source';
import { FhirExceptionFilter } from './fhir/fhir-exception.filter';
import { FhirModule } from './fhir/fhir.module';
import { HealthModule } from './health/health.module';
import { DeliveryModule } from './delivery/delivery.module';
import { Hl7Module } from './hl7/hl7.module';
import { MetricsModule } from './metrics/metrics.module';
import { ResultModule } from './result/result.module';
import { SpecimenModule } from './specimen/specimen.module';
import { EcgModule } from './ecg/ecg.module';
import { RecognitionModule } from './recognition/recognition.module';
import { PathologyModule } from './pathology/pathology.module';
import { ImagingModule } from './imaging/imaging.module';
import { ManagementModule } from './management/management.module';
import { OpsModule } from './ops/ops.module';

/** The gateway: the hub's single public edge. */
@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig) {
    @Global()
    @Module({
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
      exports: [GATEWAY_CONFIG],
    })
    class GatewayConfigModule {}

    return {
      module: GatewayModule,
      imports: [
        GatewayConfigModule,
        LoggerModule.forRoot({
          pinoHttp: [
            {
              ...loggerOptions('gateway', config.LOG_LEVEL),
              // Log the path, not the query string: search parameters may carry identifiers.
              serializers: {
                req: (req: { method: string; url: string; id: unknown }) => ({
                  id: req.id,
                  method: req.method,
                  path: req.url.split('?')[0],
                }),
              },
              customLogLevel: (_req, res, error) =>
                error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
            },
            maskingStream(),
          ],
        }),
        TypeOrmModule.forRoot(
          appDataSourceOptions({
            url: config.DATABASE_URL,
            schema: SCHEMA,
            entities,
            migrations,
            connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
          }),
        ),
        AuditModule,
        MetricsModule,
        ConsortiumModule,
        CatalogueModule,
        CentreLinkModule,
        AuthModule,
        FhirModule,
        ResultModule,
        SpecimenModule,
        ImagingModule,
        EcgModule,
        RecognitionModule,
        PathologyModule,
        Hl7Module,
        DeliveryModule,
        CriticalValueModule,
        HealthModule,
        OpsModule,
        ManagementModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: FhirExceptionFilter }],
    };
  }
}
