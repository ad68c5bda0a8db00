import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';

export interface DatabaseSettings {
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
}

/** One definition of the connection, shared by the app, the migration CLI and the tests. */
export function dataSourceOptions(settings: DatabaseSettings, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.databaseUrl,
    entities,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failures surface as errors the callers log (with the request id); TypeORM's own logger would
    // print to the console, parameters (user data) included.
    logging: false,
    // Fail fast instead of waiting forever: pg has no connect or statement timeout by default.
    extra: {
      max: settings.databasePoolSize,
      connectionTimeoutMillis: settings.databaseConnectTimeoutMs,
      statement_timeout: settings.databaseStatementTimeoutMs,
      idle_in_transaction_session_timeout: settings.databaseStatementTimeoutMs * 5,
      application_name: 'maas',
    },
  };
}
