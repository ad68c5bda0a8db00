import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseSettings, dataSourceOptions } from './data-source-options';

/** Arbitrary constant: the PostgreSQL advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 4_242_001;

/**
 * Applies pending migrations; safe when several instances boot at once. Without the requests'
 * statement timeout (0 turns it off): a migration that moves data takes as long as the table
 * needs (the log says when applying starts, and each one applied).
 */
export async function migrate(settings: DatabaseSettings, logger = new Logger('Migrations')): Promise<void> {
  const dataSource = new DataSource({ ...dataSourceOptions({ ...settings, databaseStatementTimeoutMs: 0 }), logging: ['error'] });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    if (await dataSource.showMigrations()) logger.log('Applying pending migrations…');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger.log(`Applied migration ${migration.name}`);
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}
