import { createHmac } from 'node:crypto';
import { json, ledgerModes, memePath, TEST_SECRET, TestApi, testConfig, uniqueUser } from './setup/test-app';

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A hand-made JWT, so each rule is tested against a token the service did not issue. */
function forge(claims: Record<string, unknown>, { alg = 'HS256', secret = TEST_SECRET } = {}): string {
  const head = `${base64url({ alg, typ: 'JWT' })}.${base64url(claims)}`;
  const digest = alg === 'HS512' ? 'sha512' : 'sha256';
  return `${head}.${createHmac(digest, secret).update(head).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
/** Exactly the fields of a meme answer, as the OpenAPI document promises them (MemeDto). */
const MEME_FIELDS = ['caption', 'cost', 'createdAt', 'format', 'generator', 'id', 'lat', 'lon', 'meme', 'place', 'query', 'remaining', 'status', 'statusUrl', 'userId'];

describe.each(ledgerModes())('API over HTTP, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  async function fundedUser(tokens: number): Promise<string> {
    const user = uniqueUser(mode);
    expect((await api.credit(user, tokens)).status).toBe(201);
    return user;
  }

  describe('GET /memes', () => {
    it('returns a text meme quoting the query and naming the nearest town, and charges 1 token', async () => {
      const user = await fundedUser(3);
      const response = await api.get(memePath('deploy on Friday', '48.8566', '2.3522'), api.token(user));
      expect(response.status).toBe(200);
      expect(response.headers.get('tokens-remaining')).toBe('2');
      const body = await json(response);
      expect(body).toMatchObject({
        format: 'text',
        userId: user,
        lat: 48.8566,
        lon: 2.3522,
        query: 'deploy on Friday',
        cost: 1,
        remaining: 2,
        place: { name: 'Paris', country: 'France', countryCode: 'FR' },
      });
      expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
      // Exactly the fields the OpenAPI document promises (MemeDto).
      expect(Object.keys(body).sort()).toEqual(MEME_FIELDS);
      expect(body).toMatchObject({ format: 'text', generator: 'standard', status: 'ready', statusUrl: `/memes/${body.id}` });
      expect(body.meme).toContain('deploy on Friday');
      expect(body.meme).toContain('Paris');
      expect(await api.balance(user)).toEqual({ userId: user, purchased: 3, used: 1, remaining: 2 });
    });

    it('gives every meme its own id', async () => {
      const user = await fundedUser(2);
      const ids = await Promise.all([1, 2].map(async () => (await json(await api.get(memePath(), api.token(user)))).id));
      expect(new Set(ids).size).toBe(2);
    });

    it('answers 402 with balance and cost once the tokens run out', async () => {
      const user = await fundedUser(1);
      expect((await api.get(memePath(), api.token(user))).status).toBe(200);
      const refused = await api.get(memePath(), api.token(user));
      expect(refused.status).toBe(402);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(await json(refused)).toMatchObject({ status: 402, code: 'insufficient_tokens', balance: 0, cost: 1 });
      expect(await api.balance(user)).toMatchObject({ purchased: 1, used: 1, remaining: 0 });
    });

    it('answers 404 account_not_found to a caller who was never credited', async () => {
      const response = await api.get(memePath(), api.token(uniqueUser('stranger')));
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ code: 'account_not_found' });
    });

    const badQueries: [string, string][] = [
      ['lat missing', '/memes?lon=1&query=x'],
      ['lon missing', '/memes?lat=1&query=x'],
      ['query missing', '/memes?lat=1&lon=1'],
      ['lat out of range', '/memes?lat=90.0001&lon=1&query=x'],
      ['lon out of range', '/memes?lat=1&lon=-180.5&query=x'],
      ['NaN', '/memes?lat=NaN&lon=1&query=x'],
      ['Infinity', '/memes?lat=Infinity&lon=1&query=x'],
      ['hex', '/memes?lat=0x10&lon=1&query=x'],
      ['exponent', '/memes?lat=1e1&lon=1&query=x'],
      ['empty lat', '/memes?lat=&lon=1&query=x'],
      ['repeated lat', '/memes?lat=1&lat=2&lon=1&query=x'],
      ['blank query', '/memes?lat=1&lon=1&query=%20%20'],
      ['query too long', `/memes?lat=1&lon=1&query=${'a'.repeat(201)}`],
      ['control character', '/memes?lat=1&lon=1&query=a%00b'],
      ['unknown format', '/memes?lat=1&lon=1&query=x&format=gif'],
      ['format in capitals', '/memes?lat=1&lon=1&query=x&format=IMAGE'],
      ['format given twice', '/memes?lat=1&lon=1&query=x&format=image&format=video'],
      ['unknown parameter', '/memes?lat=1&lon=1&query=x&admin=true'],
    ];

    it.each(badQueries)('refuses %s with 400 and per-field details, charging nothing', async (_, path) => {
      const user = await fundedUser(5);
      const response = await api.get(path, api.token(user));
      expect(response.status).toBe(400);
      const body = await json(response);
      expect(body).toMatchObject({ code: 'invalid_request', status: 400 });
      expect(body.errors.length).toBeGreaterThan(0);
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 5 });
    });

    it('accepts the boundaries: 200 characters, ±90, ±180', async () => {
      const user = await fundedUser(2);
      const query = 'é'.repeat(200);
      expect((await api.get(memePath(query, '-90', '180'), api.token(user))).status).toBe(200);
      expect((await api.get(memePath('x', '90', '-180'), api.token(user))).status).toBe(200);
    });
  });

  describe('authentication', () => {
    let user: string;
    beforeAll(async () => {
      user = await fundedUser(10);
    });

    const claims = () => ({ sub: user, iss: 'maas', aud: 'maas-api', exp: now() + 60 });
    const cases: [string, () => Record<string, string>][] = [
      ['no header', () => ({})],
      ['not a bearer token', () => ({ authorization: `Basic ${base64url('a:b')}` })],
      ['garbage', () => ({ authorization: 'Bearer not.a.jwt' })],
      ['expired', () => ({ authorization: `Bearer ${forge({ ...claims(), exp: now() - 5 })}` })],
      ['no exp', () => ({ authorization: `Bearer ${forge({ sub: user, iss: 'maas', aud: 'maas-api' })}` })],
      ['wrong issuer', () => ({ authorization: `Bearer ${forge({ ...claims(), iss: 'evil' })}` })],
      ['wrong audience', () => ({ authorization: `Bearer ${forge({ ...claims(), aud: 'other' })}` })],
      ['HS512', () => ({ authorization: `Bearer ${forge(claims(), { alg: 'HS512' })}` })],
      ['alg none', () => ({ authorization: `Bearer ${base64url({ alg: 'none' })}.${base64url(claims())}.` })],
      ['wrong secret', () => ({ authorization: `Bearer ${forge(claims(), { secret: 'x'.repeat(40) })}` })],
      ['bad subject', () => ({ authorization: `Bearer ${forge({ ...claims(), sub: 'a b' })}` })],
      ['roles not a list', () => ({ authorization: `Bearer ${forge({ ...claims(), roles: 'admin' })}` })],
    ];

    it.each(cases)('refuses %s with 401, WWW-Authenticate and no charge', async (_, headers) => {
      const response = await api.get(memePath(), undefined, headers());
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await json(response)).toMatchObject({ code: 'unauthorized' });
      expect(await api.balance(user)).toMatchObject({ used: 0 });
    });

    it('accepts a well-formed token it did not issue itself', async () => {
      expect((await api.get('/tokens/balance', forge(claims()))).status).toBe(200);
    });
  });

  describe('balances and admin', () => {
    it('shows callers their own balance only', async () => {
      const alice = await fundedUser(7);
      const bob = await fundedUser(3);
      expect(await json(await api.get('/tokens/balance', api.token(alice)))).toEqual({
        userId: alice,
        purchased: 7,
        used: 0,
        remaining: 7,
      });
      // No route takes another user's id except the admin ones.
      const snoop = await api.get(`/admin/users/${alice}/balance`, api.token(bob));
      expect(snoop.status).toBe(403);
      expect(await json(snoop)).toMatchObject({ code: 'forbidden' });
    });

    it('lets an admin read any balance', async () => {
      const user = await fundedUser(4);
      const response = await api.get(`/admin/users/${user}/balance`, api.token('boss', ['admin']));
      expect(await json(response)).toEqual({ userId: user, purchased: 4, used: 0, remaining: 4 });
    });

    it('credits a reference once: 201, then 200 with the same balance, 409 for a different amount', async () => {
      const user = uniqueUser('buyer');
      const first = await api.credit(user, 10, `order-${user}`);
      expect(first.status).toBe(201);
      expect(await json(first)).toEqual({ userId: user, purchased: 10, used: 0, remaining: 10 });
      const again = await api.credit(user, 10, `order-${user}`);
      expect(again.status).toBe(200);
      expect(await json(again)).toEqual({ userId: user, purchased: 10, used: 0, remaining: 10 });
      const changed = await api.credit(user, 11, `order-${user}`);
      expect(changed.status).toBe(409);
      expect(await json(changed)).toMatchObject({ code: 'purchase_reference_conflict' });
      const otherUser = await api.credit(uniqueUser('thief'), 10, `order-${user}`);
      expect(otherUser.status).toBe(409);
      expect(await api.balance(user)).toMatchObject({ purchased: 10 });
    });

    it('refuses non-admins on every admin route with 403', async () => {
      const user = await fundedUser(1);
      const token = api.token(user);
      const post = await fetch(`${api.baseUrl}/admin/users/${user}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1000, reference: `self-${user}` }),
      });
      expect(post.status).toBe(403);
      expect((await api.get(`/admin/users/${user}/balance`, token)).status).toBe(403);
      expect(await api.balance(user)).toMatchObject({ purchased: 1 });
    });

    const badBodies: [string, string, string][] = [
      ['amount 0', 'application/json', '{"amount":0,"reference":"r"}'],
      ['amount over 1e9', 'application/json', '{"amount":1000000001,"reference":"r"}'],
      ['fractional amount', 'application/json', '{"amount":1.5,"reference":"r"}'],
      ['amount as string', 'application/json', '{"amount":"5","reference":"r"}'],
      ['reference missing', 'application/json', '{"amount":5}'],
      ['reference too long', 'application/json', JSON.stringify({ amount: 5, reference: 'r'.repeat(129) })],
      ['unknown field', 'application/json', '{"amount":5,"reference":"r","bonus":1}'],
      ['malformed JSON', 'application/json', '{"amount":'],
      ['JSON array', 'application/json', '[1,2]'],
    ];

    it.each(badBodies)('refuses a purchase with %s with 400, crediting nothing', async (_, type, body) => {
      const user = uniqueUser('bad-body');
      const response = await fetch(`${api.baseUrl}/admin/users/${user}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token('boss', ['admin'])}`, 'content-type': type },
        body,
      });
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ code: 'invalid_request' });
      expect((await api.get(`/admin/users/${user}/balance`, api.token('boss', ['admin']))).status).toBe(404);
    });

    it('refuses a non-JSON body with 415 and an oversized one with 413', async () => {
      const headers = { authorization: `Bearer ${api.token('boss', ['admin'])}` };
      const url = `${api.baseUrl}/admin/users/${uniqueUser('x')}/tokens`;
      const text = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'x' });
      expect(text.status).toBe(415);
      expect(await json(text)).toMatchObject({ code: 'unsupported_media_type' });
      const big = JSON.stringify({ amount: 1, reference: 'r'.repeat(20_000) });
      const large = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: big });
      expect(large.status).toBe(413);
    });

    it('refuses a malformed user id in the path with 400', async () => {
      const response = await api.get('/admin/users/has%20space/balance', api.token('boss', ['admin']));
      expect(response.status).toBe(400);
    });
  });

  describe('the rest of the surface', () => {
    it('answers unknown routes with a problem 404', async () => {
      const response = await api.get('/nowhere', api.token('x'));
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ code: 'not_found' });
    });

    it('probes health without a token', async () => {
      expect(await json(await api.get('/health/live'))).toEqual({ status: 'ok' });
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      const details = (await json(ready)).details;
      expect(details.postgres.status).toBe('up');
      if (mode === 'redis') expect(details.redis.status).toBe('up');
    });

    it('serves the OpenAPI document listing every route', async () => {
      const document = await json(await api.get('/docs/openapi.json'));
      expect(Object.keys(document.paths).sort()).toEqual([
        '/admin/subscriptions',
        '/admin/subscriptions/{userId}',
        '/admin/users/{userId}/balance',
        '/admin/users/{userId}/tokens',
        '/admin/users/{userId}/transactions',
        '/admin/users/{userId}/usage',
        '/health/live',
        '/health/ready',
        '/m/{code}',
        '/memes',
        '/memes/undelivered',
        '/memes/{id}',
        '/notifications/email',
        '/premium',
        '/subscriptions/me',
        '/tokens/balance',
        '/tokens/transactions',
        '/webhooks',
      ]);
      const meme = document.components.schemas.MemeDto.properties;
      expect(Object.keys(meme).sort()).toEqual(MEME_FIELDS);
      // The costs per format are documented where callers look for them.
      expect(document.paths['/memes'].get.description).toMatch(/MEME_COST_IMAGE \(default 3\).*MEME_COST_VIDEO \(default 10\)/);
    });

    it('echoes a sane request id and never leaks internals', async () => {
      const response = await api.get('/tokens/balance', undefined, { 'x-request-id': 'trace-123' });
      expect(response.headers.get('x-request-id')).toBe('trace-123');
      expect((await json(response)).requestId).toBe('trace-123');
    });

    it('gives every request without a usable id one of its own', async () => {
      const given = [undefined, undefined, 'has spaces', 'x'.repeat(129)];
      const ids: string[] = [];
      for (const id of given) {
        const response = await api.get('/tokens/balance', undefined, id === undefined ? {} : { 'x-request-id': id });
        const sent = response.headers.get('x-request-id') as string;
        expect((await json(response)).requestId).toBe(sent);
        ids.push(sent);
      }
      expect(new Set(ids).size).toBe(given.length);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    });
  });
});

describe('in production', () => {
  it('hides the API docs unless DOCS_ENABLED=true', async () => {
    const hidden = await TestApi.start(testConfig('postgres', { NODE_ENV: 'production', DOCS_ENABLED: '' }));
    try {
      expect((await hidden.get('/docs')).status).toBe(404);
      expect((await hidden.get('/docs/openapi.json')).status).toBe(404);
    } finally {
      await hidden.close();
    }
    const shown = await TestApi.start(testConfig('postgres', { NODE_ENV: 'production', DOCS_ENABLED: 'true' }));
    try {
      expect((await shown.get('/docs/openapi.json')).status).toBe(200);
    } finally {
      await shown.close();
    }
  });
});
