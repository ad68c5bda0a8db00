import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { JobQueue, QueueDefinition } from '@maas/core';
import { testConfig } from './setup/test-app';

/**
 * The job queue against a real PostgreSQL. Instances of a new deployment (or the workers of a
 * test run) start together on a database pg-boss has never seen: every one must come up.
 */
describe('JobQueue', () => {
  const definitions: QueueDefinition[] = ['failed', 'render', 'webhook', 'email'].map((name, i) => ({
    name,
    retryLimit: 3,
    retryDelaySeconds: 1,
    timeoutSeconds: 60,
    ...(i > 0 ? { deadLetter: 'failed' } : {}),
  }));

  it('lets instances starting together define the same queues in a new schema', async () => {
    const schema = `jobs_${randomBytes(4).toString('hex')}`;
    const config = { ...testConfig('postgres'), jobQueueSchema: schema };
    const instances = Array.from({ length: 8 }, () => new JobQueue(config));
    const db = new Client({ connectionString: config.databaseUrl });
    await db.connect();
    try {
      const outcomes = await Promise.allSettled(
        instances.map(async (queue) => {
          for (const definition of definitions) await queue.define(definition);
        }),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      const { rows } = await db.query(`SELECT name, retry_limit, dead_letter FROM ${schema}.queue ORDER BY name`);
      expect(rows).toEqual([
        { name: 'email', retry_limit: 3, dead_letter: 'failed' },
        { name: 'failed', retry_limit: 3, dead_letter: null },
        { name: 'render', retry_limit: 3, dead_letter: 'failed' },
        { name: 'webhook', retry_limit: 3, dead_letter: 'failed' },
      ]);
    } finally {
      await Promise.all(instances.map((queue) => queue.onApplicationShutdown()));
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
    }
  });
});
