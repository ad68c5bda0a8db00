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

  /** Runs `body` against a scratch database with every migration applied, then drops it. */
  async function withScratchDatabase(body: (db: DataSource) => Promise<void>): Promise<void> {
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
      await body(db);
    } finally {
      if (db.isInitialized) await db.destroy();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  }

  /** Undoes the newest migrations, down to and including `name`. */
  async function undoThrough(db: DataSource, name: string): Promise<void> {
    for (let undone = 0; undone < db.migrations.length; undone++) {
      const [last] = (await db.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1')) as { name: string }[];
      await db.undoLastMigration();
      if (last.name === name) return;
    }
    throw new Error(`${name} was not applied`);
  }

  it('name the deployment with one row that cannot be doubled', () =>
    withScratchDatabase(async (db) => {
      const [{ id }] = (await db.query('SELECT id FROM deployment')) as { id: string }[];
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await expect(db.query('INSERT INTO deployment DEFAULT VALUES')).rejects.toThrow(/duplicate key/);
      await expect(db.query('INSERT INTO deployment (one) VALUES (false)')).rejects.toThrow(/check constraint/);
      expect(await db.query('SELECT id FROM deployment')).toEqual([{ id }]);
    }));

  it('move delivery marks out of usage_events and back, each mark kept', () =>
    withScratchDatabase(async (db) => {
      await undoThrough(db, 'MemeDeliveries1795815917250'); // back to delivered_at on the charge rows
      const delivered = new Date('2026-11-27T10:00:00.123Z');
      await db.query(
        `INSERT INTO usage_events (id, user_id, kind, amount, format, at, content, delivered_at) VALUES
         ('got-it', 'u', 'charge', 1, 'text', now(), '{}', $1), ('lost', 'u', 'charge', 1, 'text', now(), '{}', NULL)`,
        [delivered],
      );

      await db.runMigrations();
      expect(await db.query('SELECT meme_id, delivered_at FROM meme_deliveries')).toEqual([{ meme_id: 'got-it', delivered_at: delivered }]);
      expect(await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'usage_events' AND column_name = 'delivered_at'`)).toEqual([]);

      await undoThrough(db, 'MemeDeliveries1795815917250');
      expect(await db.query('SELECT id, delivered_at FROM usage_events ORDER BY id')).toEqual([
        { id: 'got-it', delivered_at: delivered },
        { id: 'lost', delivered_at: null },
      ]);
    }));

  it('append repeated delivery marks, and keep only the earliest of each meme on the way back', () =>
    withScratchDatabase(async (db) => {
      const [first, second, third] = ['2026-11-27T10:00:00.100Z', '2026-11-27T10:00:00.200Z', '2026-11-27T10:00:00.300Z'].map((at) => new Date(at));
      await db.query(`INSERT INTO meme_deliveries (meme_id, delivered_at) VALUES ('twice', $2), ('twice', $1), ('once', $3)`, [first, second, third]);
      expect(await db.query(`EXPLAIN SELECT 1 FROM meme_deliveries WHERE meme_id = 'twice'`)).toEqual(
        expect.arrayContaining([{ 'QUERY PLAN': expect.stringContaining('meme_deliveries_meme_id_idx') }]),
      );

      await undoThrough(db, 'DeliveryMarksHashIndex1795822744921');
      expect(await db.query('SELECT id, delivered_at FROM meme_deliveries ORDER BY id')).toEqual([
        { id: 'once', delivered_at: third },
        { id: 'twice', delivered_at: first },
      ]);
      await expect(db.query(`INSERT INTO meme_deliveries (id, delivered_at) VALUES ('once', now())`)).rejects.toThrow(/duplicate key/);

      await db.runMigrations();
      expect(await db.query('SELECT meme_id, delivered_at FROM meme_deliveries ORDER BY meme_id')).toEqual([
        { meme_id: 'once', delivered_at: third },
        { meme_id: 'twice', delivered_at: first },
      ]);
    }));
});
