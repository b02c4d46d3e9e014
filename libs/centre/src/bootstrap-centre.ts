import 'reflect-metadata';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Logger, LoggerModule } from 'nestjs-pino';
import { type Centre } from '@hub/contracts';
import {
  ConfigError,
  checkDependencies,
  closeOnSignals,
  createLogger,
  loggerOptions,
  maskingStream,
  redactUrl,
  redisOptions,
} from '@hub/platform';
import { type CentreConfig, loadCentreConfig } from './centre-config';

/** Wraps the app module with the structured logger, which only a running process needs. */
@Module({})
class CentreProcessModule {}

/**
 * Runs a centre app as a process: parses the configuration, checks that PostgreSQL and Redis
 * answer, then starts the HTTP server (health) on `0.0.0.0` and the Redis microservice listener
 * (request/reply from the gateway), with structured JSON logs. SIGINT/SIGTERM close it gracefully.
 *
 * It never rejects: a bad configuration, an unreachable PostgreSQL or Redis (named, with its URL,
 * password redacted) or any other start-up failure is printed to stderr and the process exits 1.
 *
 * @param appModule the app's root module; it imports `CentreModule.forCentre(centre, …)`.
 */
export async function bootstrapCentre(centre: Centre, appModule: Type<unknown>): Promise<void> {
  const name = `${centre}-center`;
  let config: CentreConfig;
  try {
    config = loadCentreConfig(centre);
  } catch (error) {
    if (error instanceof ConfigError) return exit(name, error.message);
    return exit(name, `cannot read the configuration: ${describe(error)}`);
  }
  const problems = await checkDependencies(config);
  if (problems.length) return exit(name, problems.join(`\n${name}: `));
  try {
    const app = await NestFactory.create<NestExpressApplication>(
      processModule(name, config, appModule),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    app.disable('x-powered-by');
    app.connectMicroservice<MicroserviceOptions>(
      {
        transport: Transport.REDIS,
        options: {
          ...redisOptions(config.REDIS_URL),
          // Keep reconnecting when Redis restarts (ioredis re-subscribes the channels) instead of
          // giving up after Nest's default attempts and leaving the centre deaf to the gateway.
          retryAttempts: Number.MAX_SAFE_INTEGER,
          retryDelay: 1000,
        },
      },
      // The app's global filter (CentreExceptionFilter) answers the messages' errors too.
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.listen(config.port, '0.0.0.0');
    const log = createLogger(name, config.LOG_LEVEL);
    log.info(
      {
        centre,
        port: config.port,
        database: redactUrl(config.DATABASE_URL),
        redis: redactUrl(config.REDIS_URL),
        prefix: config.REDIS_PREFIX,
      },
      `${name} listening`,
    );
    // closeOnSignals rather than app.enableShutdownHooks(): both listen to SIGINT/SIGTERM, and
    // together they would run the shutdown hooks twice at once (closing the pool twice fails).
    // closeOnSignals also exits at once on a second signal.
    closeOnSignals(app, (message) => log.info(message));
  } catch (error) {
    exit(name, `failed to start: ${describe(error)}`);
  }
}

function processModule(
  name: string,
  config: CentreConfig,
  appModule: Type<unknown>,
): DynamicModule {
  return {
    module: CentreProcessModule,
    imports: [
      LoggerModule.forRoot({
        pinoHttp: [
          {
            ...loggerOptions(name, config.LOG_LEVEL),
            // Health is polled every few seconds; a line per poll would drown the log.
            autoLogging: { ignore: (request) => request.url === '/health' },
          },
          maskingStream(),
        ],
      }),
      appModule,
    ],
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function exit(name: string, message: string): never {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}
