import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../libs/core/src/database/data-source-options';
import { TestApi, testConfig } from './setup/test-app';

/** The reviewed migrations build exactly the schema the entities describe: nothing left to generate. */
describe('migrations', () => {
  it('match the entities', async () => {
    const api = await TestApi.start(testConfig('postgres'));
    try {
      const pending = await api.app.get(DataSource).driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('move delivery marks out of usage_events and back, each mark kept', async () => {
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    const name = `maas_migrate_${randomBytes(4).toString('hex')}`;
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${name}`;
    const db = new DataSource(dataSourceOptions({ databaseUrl: url.toString(), databasePoolSize: 2, databaseConnectTimeoutMs: 5000, databaseStatementTimeoutMs: 10_000 }));
    try {
      await db.initialize();
      await db.runMigrations();
      await db.undoLastMigration(); // MemeDeliveries: back to delivered_at on the charge rows
      const delivered = new Date('2026-11-27T10:00:00.123Z');
      await db.query(
        `INSERT INTO usage_events (id, user_id, kind, amount, format, at, content, delivered_at) VALUES
         ('got-it', 'u', 'charge', 1, 'text', now(), '{}', $1), ('lost', 'u', 'charge', 1, 'text', now(), '{}', NULL)`,
        [delivered],
      );

      await db.runMigrations();
      expect(await db.query('SELECT id, delivered_at FROM meme_deliveries')).toEqual([{ id: 'got-it', delivered_at: delivered }]);
      expect(await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'usage_events' AND column_name = 'delivered_at'`)).toEqual([]);

      await db.undoLastMigration();
      expect(await db.query('SELECT id, delivered_at FROM usage_events ORDER BY id')).toEqual([
        { id: 'got-it', delivered_at: delivered },
        { id: 'lost', delivered_at: null },
      ]);
    } finally {
      if (db.isInitialized) await db.destroy();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  });
});
