import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ConfigError, closeOnSignals, createLogger, redactUrl } from '@hub/platform';
import { mountQueueDashboard } from './admin/queue-dashboard';
import { hardenHttp } from './security/http-hardening';
import { mountWorkbench } from './workbench/serve-workbench';
import { type GatewayConfig, loadGatewayConfig } from './config';
import { GatewayModule } from './app.module';
import { checkDependencies } from '@hub/platform';

async function bootstrap(): Promise<void> {
  const log = createLogger('gateway');
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gateway: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const problems = await checkDependencies(config);
  if (problems.length) {
    for (const problem of problems) process.stderr.write(`gateway: ${problem}\n`);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forConfig(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  const releaseHardening = hardenHttp(app, config);
  const closeDashboard = mountQueueDashboard(app, config);
  mountWorkbench(app);
  await app.listen(config.PORT, '0.0.0.0');
  log.info(
    {
      port: config.PORT,
      database: redactUrl(config.DATABASE_URL),
      redis: redactUrl(config.REDIS_URL),
      demo: config.DEMO_MODE,
    },
    'gateway listening',
  );
  const shutdown = async () => {
    await closeDashboard();
    await app.close();
    releaseHardening();
  };
  closeOnSignals({ close: shutdown }, (message) => log.info(message));
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `gateway failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
