import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

/**
 * One PostgreSQL database, one schema per app. An app's DataSource points at its own schema only,
 * keeps its migrations table there, and never synchronizes: the committed migrations define it.
 */
export interface AppDataSourceOptions {
  url: string;
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  /** Milliseconds to wait for a new connection (default 3000): while PostgreSQL is away, fail fast. */
  connectTimeoutMs?: number;
}

export function appDataSourceOptions(options: AppDataSourceOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: options.poolSize ?? 10,
      application_name: `hub-${options.schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    },
  };
}

export function createAppDataSource(options: AppDataSourceOptions): DataSource {
  return new DataSource(appDataSourceOptions(options));
}

/** Creates the database named in `url` when it does not exist yet (connects to `postgres`). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new Error(`database name "${name}" in DATABASE_URL is not supported`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Runs an app's pending migrations in its own schema; returns the names applied. */
export async function migrateAppSchema(dataSource: DataSource, schema: string): Promise<string[]> {
  const initialized = dataSource.isInitialized;
  if (!initialized) await dataSource.initialize();
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (!initialized) await dataSource.destroy();
  }
}
