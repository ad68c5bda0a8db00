import { connect } from 'node:net';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends GET /memes and resets the connection at once: the caller is gone before the answer. */
function requestAndVanish(api: TestApi, token: string, query: string): Promise<void> {
  const { port } = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${memePath(query)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`, () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

describe.each(ledgerModes())('memes that never reached their caller, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  const undelivered = async (token: string): Promise<Record<string, unknown>[]> =>
    (await api.get('/memes/undelivered', token)).json() as Promise<Record<string, unknown>[]>;

  it('lists a paid meme whose caller vanished, serves it again for free, then no longer lists it', async () => {
    const user = uniqueUser('vanished');
    await api.credit(user, 5);
    const token = api.token(user);
    const delivered = await json(await api.get(memePath('got it'), token));
    await requestAndVanish(api, token, 'lost in transit');

    // Delivery marks are written in batches: wait for the delivered one to leave the list too.
    const lost = await eventually(() => undelivered(token), (list) => list.length === 1 && list[0].id !== delivered.id);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ query: 'lost in transit', userId: user, deliveredAt: null });
    expect(lost[0].id).not.toBe(delivered.id);
    expect(await api.balance(user)).toMatchObject({ used: 2, remaining: 3 });

    const again = await api.get(`/memes/${lost[0].id}`, token);
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ id: lost[0].id, query: 'lost in transit', meme: expect.stringContaining('lost in transit') });
    expect(await eventually(() => undelivered(token), (list) => list.length === 0)).toEqual([]);
    expect(await api.balance(user)).toMatchObject({ used: 2, remaining: 3 });

    const fetched = await eventually(
      async () => json(await api.get(`/memes/${delivered.id}`, token)),
      (meme) => meme.deliveredAt !== null,
    );
    expect(fetched).toMatchObject({ id: delivered.id, meme: delivered.meme, deliveredAt: expect.any(String) });
  });

  it('shows a meme to its owner only', async () => {
    const owner = uniqueUser('owner');
    await api.credit(owner, 1);
    const meme = await json(await api.get(memePath(), api.token(owner)));
    await eventually(async () => (await api.get(`/memes/${meme.id}`, api.token(owner))).status, (status) => status === 200);

    const stranger = uniqueUser('stranger');
    const theirs = await api.get(`/memes/${meme.id}`, api.token(stranger));
    expect(theirs.status).toBe(404);
    expect(await json(theirs)).toMatchObject({ code: 'meme_not_found' });
    expect((await api.get('/memes/not-a-uuid', api.token(owner))).status).toBe(404);
    expect(await undelivered(api.token(stranger))).toEqual([]);
  });
});
