import 'reflect-metadata';
import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { type Centre } from '@hub/contracts';
import {
  ConfigError,
  checkDependencies,
  closeOnSignals,
  createLogger,
  redisOptions,
} from '@hub/platform';
import { type CentreConfig, loadCentreConfig } from './centre-config';

/**
 * Starts a centre app: configuration, a check that PostgreSQL and Redis answer, the HTTP server
 * (health) and the Redis microservice listener (request/reply from the gateway).
 */
export async function bootstrapCentre(
  centre: Centre,
  module: (config: CentreConfig) => DynamicModule,
): Promise<void> {
  const name = `${centre}-center`;
  const log = createLogger(name);
  let config: CentreConfig;
  try {
    config = loadCentreConfig(centre);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const problems = await checkDependencies(config);
  if (problems.length) {
    for (const problem of problems) process.stderr.write(`${name}: ${problem}\n`);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(module(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  const { host, port, username, password, db } = redisOptions(config.REDIS_URL);
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.REDIS,
    // Keep reconnecting when Redis restarts; ioredis re-subscribes the channels.
    options: {
      host,
      port,
      username,
      password,
      db,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryDelay: 1000,
    },
  });
  await app.startAllMicroservices();
  await app.listen(config.port, '0.0.0.0');
  log.info({ port: config.port, centre }, `${name} listening`);
  closeOnSignals(app, (message) => log.info(message));
}

/** Runs `bootstrapCentre` as a process entry point: any start-up failure exits non-zero. */
export function runCentre(centre: Centre, module: (config: CentreConfig) => DynamicModule): void {
  bootstrapCentre(centre, module).catch((error: unknown) => {
    process.stderr.write(
      `${centre}-center failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
