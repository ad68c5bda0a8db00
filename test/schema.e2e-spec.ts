import { DataSource } from 'typeorm';
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
});
