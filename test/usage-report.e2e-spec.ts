import { DataSource } from 'typeorm';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

describe.each(ledgerModes())('GET /admin/users/:userId/usage, %s ledger', (mode) => {
  let api: TestApi;
  const admin = () => api.token(uniqueUser('admin'), ['admin']);

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  it('counts memes and tokens per day and format', async () => {
    const user = uniqueUser('usage');
    await api.credit(user, 20);
    const memes = await Promise.all(Array.from({ length: 6 }, async () => json(await api.get(memePath(), api.token(user)))));
    const db = api.app.get(DataSource);
    // Two of the memes were bought yesterday (moved back in time once they reach PostgreSQL).
    const deadline = Date.now() + 5000;
    while ((await db.query(`SELECT COUNT(*)::int AS n FROM usage_events WHERE user_id = $1`, [user]))[0].n < 6) {
      if (Date.now() > deadline) throw new Error('usage not in PostgreSQL in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await db.query(`UPDATE usage_events SET at = at - interval '1 day' WHERE id = ANY($1)`, [[memes[4].id, memes[5].id]]);

    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const report = await json(await api.get(`/admin/users/${user}/usage?from=${yesterday}&to=${today}`, admin()));
    expect(report).toEqual({
      userId: user,
      from: yesterday,
      to: today,
      days: [
        { day: yesterday, format: 'text', memes: 2, tokens: 2 },
        { day: today, format: 'text', memes: 4, tokens: 4 },
      ],
    });
    const onlyToday = await json(await api.get(`/admin/users/${user}/usage?from=${today}&to=${today}`, admin()));
    expect(onlyToday.days).toEqual([{ day: today, format: 'text', memes: 4, tokens: 4 }]);
  });

  it.each([
    ['a malformed day', '?from=2026-13-01'],
    ['an impossible day', '?from=2026-02-30&to=2026-03-01'],
    ['from after to', '?from=2026-05-02&to=2026-05-01'],
    ['more than a year', '?from=2024-01-01&to=2026-01-01'],
  ])('refuses %s with 400', async (_, query) => {
    const response = await api.get(`/admin/users/someone/usage${query}`, admin());
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ code: 'invalid_request' });
  });

  it('is for admins only', async () => {
    const user = uniqueUser('nosy');
    expect((await api.get(`/admin/users/${user}/usage`, api.token(user))).status).toBe(403);
  });
});
