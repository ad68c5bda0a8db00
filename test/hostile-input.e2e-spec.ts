import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { ADMIN_ROLE } from '@maas/core';
import { Json, json, ledgerModes, memePath, TEST_SECRET, TestApi, testConfig, uniqueUser } from './setup/test-app';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

interface RawExchange {
  /** Everything the server sent, as text. */
  readonly text: string;
  /** When the first complete HTTP response had arrived (ms after connecting), if one did. */
  readonly answeredAfterMs: number | undefined;
  /** When the server closed the connection (ms after connecting), if it did before the deadline. */
  readonly closedAfterMs: number | undefined;
}

/** A complete response: headers and as many body bytes as its Content-Length says. */
function complete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end));
  return length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1]);
}

/**
 * Bytes written to a raw TCP socket, as no HTTP client would send them. `trickle` is then
 * written a byte every 100 ms. Ends at the first complete response (or, `untilClosed`, when the
 * server closes the connection), or when `deadlineMs` passes.
 */
function exchange(port: number, head: string, { trickle = '', untilClosed = false, deadlineMs = 3000 } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let answeredAfterMs: number | undefined;
    let closedAfterMs: number | undefined;
    let sent = 0;
    const dripping = setInterval(() => {
      if (trickle !== '' && socket.writable) socket.write(trickle[sent++ % trickle.length]);
    }, 100);
    const finish = () => {
      clearInterval(dripping);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ text, answeredAfterMs, closedAfterMs });
    };
    const deadline = setTimeout(finish, deadlineMs);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (answeredAfterMs === undefined && complete(text)) {
        answeredAfterMs = Date.now() - started;
        if (!untilClosed) finish();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closedAfterMs = Date.now() - started;
      finish();
    });
  });
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
}

function headerOf(text: string, name: string): string | undefined {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, 'i').exec(head)?.[1];
}

function bodyOf(text: string): Json {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Json;
}

function portOf(api: TestApi): number {
  return Number(new URL(api.baseUrl).port);
}

/** Sends GET /memes and resets the connection at once: the meme is paid for, never delivered. */
function buyAndVanish(port: number, token: string, query: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${memePath(query)} HTTP/1.1\r\nHost: maas\r\nAuthorization: Bearer ${token}\r\n\r\n`, () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function forge(claims: Record<string, unknown>): string {
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${head}.${createHmac('sha256', TEST_SECRET).update(head).digest('base64url')}`;
}

describe.each(ledgerModes())('hostile input, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  async function fundedUser(tokens: number): Promise<string> {
    const user = uniqueUser(`hostile-${mode}`);
    expect((await api.credit(user, tokens)).status).toBe(201);
    return user;
  }

  describe('HEAD on a route whose GET charges or delivers', () => {
    it.each(['text', 'image', 'video', 'random'])('answers HEAD /memes (format %s) 405 with Allow: GET, charging nothing', async (format) => {
      const user = await fundedUser(25);
      const response = await fetch(`${api.baseUrl}${memePath()}&format=${format}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${api.token(user)}` },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      expect(response.headers.get('content-type')).toBe(PROBLEM_JSON);
      expect(await api.balance(user)).toEqual({ userId: user, purchased: 25, used: 0, remaining: 25 });
      // GET still sells, so the balance above was not left unchanged by a broken account.
      expect((await api.get(`${memePath()}&format=text`, api.token(user))).status).toBe(200);
      expect(await api.balance(user)).toEqual({ userId: user, purchased: 25, used: 1, remaining: 24 });
    });

    it('answers HEAD /memes/{id} 405 with Allow: GET, leaving the meme undelivered', async () => {
      const user = await fundedUser(5);
      const token = api.token(user);
      const undelivered = async () => (await api.get('/memes/undelivered', token)).json() as Promise<{ id: string; query: string }[]>;
      await buyAndVanish(portOf(api), token, 'headed');
      await buyAndVanish(portOf(api), token, 'fetched');
      const lost = await eventually(undelivered, (memes) => memes.length === 2);
      const headed = lost.find((meme) => meme.query === 'headed');
      const fetched = lost.find((meme) => meme.query === 'fetched');
      expect([headed, fetched]).toEqual([expect.anything(), expect.anything()]);

      const head = await fetch(`${api.baseUrl}/memes/${headed?.id}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
      expect(head.status).toBe(405);
      expect(head.headers.get('allow')).toBe('GET');
      expect(head.headers.get('content-type')).toBe(PROBLEM_JSON);
      // A GET after the HEAD: once its delivery mark is written, one the HEAD made would be too.
      expect((await api.get(`/memes/${fetched?.id}`, token)).status).toBe(200);
      const left = await eventually(undelivered, (memes) => memes.length < 2);
      expect(left.map((meme) => meme.query)).toEqual(['headed']);
      expect(await api.balance(user)).toMatchObject({ used: 2, remaining: 3 });
    });

    it('keeps HEAD on the other GET routes', async () => {
      const user = await fundedUser(5);
      const balance = await fetch(`${api.baseUrl}/tokens/balance`, { method: 'HEAD', headers: { authorization: `Bearer ${api.token(user)}` } });
      expect(balance.status).toBe(200);
      const list = await fetch(`${api.baseUrl}/memes/undelivered`, { method: 'HEAD', headers: { authorization: `Bearer ${api.token(user)}` } });
      expect(list.status).toBe(200);
      expect((await fetch(`${api.baseUrl}/health/live`, { method: 'HEAD' })).status).toBe(200);
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 5 });
    });
  });

  describe('malformed percent-encoding in the query string', () => {
    it.each(['%C3%28', '%FF', 'a%', '%zz', '%ED%A0%80', '%C0%AF', '%F4%90%80%80', 'ok%E2%82'])(
      'refuses query=%s with 400 invalid_request, charging nothing',
      async (raw) => {
        const user = await fundedUser(3);
        const response = await api.get(`/memes?lat=48.8566&lon=2.3522&query=${raw}`, api.token(user));
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toBe(PROBLEM_JSON);
        const body = await json(response);
        expect(body).toMatchObject({ code: 'invalid_request', errors: [{ field: 'querystring', message: 'must be valid percent-encoded UTF-8' }], errorCount: 1 });
        expect(JSON.stringify(body)).not.toContain(raw);
        expect(await api.balance(user)).toEqual({ userId: user, purchased: 3, used: 0, remaining: 3 });
      },
    );

    it('refuses it on every query-string route, in keys as in values', async () => {
      const admin = api.token(uniqueUser('admin'), [ADMIN_ROLE]);
      for (const path of ['/admin/users/alice/usage?from=%FF', '/admin/subscriptions?status=%ED%A0%80', '/memes?lat=1&lon=1&query=x&%zz=1', '/health/live?x=%']) {
        const response = await api.get(path, admin);
        expect([path, response.status]).toEqual([path, 400]);
        expect(await json(response)).toMatchObject({ code: 'invalid_request' });
      }
    });

    it('still takes well-encoded text, multi-byte characters included', async () => {
      const user = await fundedUser(2);
      const response = await api.get('/memes?lat=48.8566&lon=2.3522&query=caf%C3%A9+%F0%9F%98%80', api.token(user));
      expect(response.status).toBe(200);
      expect(await json(response)).toMatchObject({ query: 'café 😀', cost: 1, remaining: 1 });
    });
  });

  describe('the errors list of a 400', () => {
    it('lists 20 problems and counts them all when 1,500 unknown parameters are sent', async () => {
      const user = await fundedUser(1);
      const unknown = Array.from({ length: 1500 }, (_, index) => `p${index}=1`).join('&');
      const response = await api.get(`${memePath()}&${unknown}`, api.token(user));
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text.length).toBeLessThan(4000);
      const body = JSON.parse(text) as Json;
      expect(body.errorCount).toBe(1500);
      expect(body.errors).toHaveLength(20);
      expect(body.errors[0]).toEqual({ field: 'p0', message: 'is not a known parameter' });
      expect(body.errors[19]).toEqual({ field: 'p19', message: 'is not a known parameter' });
      expect(body.detail).toMatch(/; and 1480 more$/);
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 1 });
    });
  });
});

describe('hostile input, framework and transport', () => {
  let api: TestApi;
  /** A second API with a short request timeout and an https public URL. */
  let strict: TestApi;
  let admin: string;

  beforeAll(async () => {
    [api, strict] = await Promise.all([
      TestApi.start(testConfig('postgres')),
      TestApi.start(testConfig('postgres', { REQUEST_TIMEOUT_MS: '1000', PUBLIC_BASE_URL: 'https://maas.example' })),
    ]);
    admin = api.token(uniqueUser('admin'), [ADMIN_ROLE]);
  });
  afterAll(() => Promise.all([api.close(), strict.close()]));

  function purchase(body: string, headers: Record<string, string>, user = uniqueUser('buyer')): Promise<Response> {
    return fetch(`${api.baseUrl}/admin/users/${user}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, ...headers },
      body,
    });
  }

  async function expectNeverCredited(user: string): Promise<void> {
    const response = await api.get(`/admin/users/${user}/balance`, admin);
    expect(await json(response)).toMatchObject({ code: 'account_not_found' });
  }

  describe('request bodies', () => {
    it.each([
      ['application/x-www-form-urlencoded', 'amount=5&reference=form-1'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="amount"\r\n\r\n5\r\n--x--\r\n'],
      ['text/plain', '{"amount":5,"reference":"text-1"}'],
    ])('refuses a %s body with 415 problem+json, crediting nothing', async (type, body) => {
      const user = uniqueUser('form');
      const response = await purchase(body, { 'content-type': type }, user);
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toBe(PROBLEM_JSON);
      expect(await json(response)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      await expectNeverCredited(user);
    });

    it.each(['gzip', 'deflate', 'br'])('refuses a body with Content-Encoding: %s with 415, crediting nothing', async (encoding) => {
      const user = uniqueUser('zipped');
      const response = await purchase('{"amount":5,"reference":"zip-1"}', { 'content-type': 'application/json', 'content-encoding': encoding }, user);
      expect(response.status).toBe(415);
      expect(await json(response)).toMatchObject({ code: 'unsupported_media_type', detail: 'Request bodies must not be compressed (Content-Encoding).' });
      await expectNeverCredited(user);
    });

    it('refuses JSON nested 1,500 deep (3 KB) with 400, and 33 deep too', async () => {
      for (const depth of [1500, 33]) {
        const user = uniqueUser('deep');
        const nested = '['.repeat(depth - 1) + ']'.repeat(depth - 1);
        const response = await purchase(`{"amount":5,"reference":"deep","x":${nested}}`, { 'content-type': 'application/json' }, user);
        expect([depth, response.status]).toEqual([depth, 400]);
        expect(await json(response)).toMatchObject({
          code: 'invalid_request',
          errors: [{ field: 'body', message: 'must not nest arrays and objects deeper than 32 levels' }],
        });
        await expectNeverCredited(user);
      }
    });

    it('still parses plain JSON, refusing prototype poisoning', async () => {
      const user = uniqueUser('json');
      const bought = await purchase(`{"amount":5,"reference":"plain-${user}"}`, { 'content-type': 'application/json; charset=utf-8' }, user);
      expect(bought.status).toBe(201);
      expect(await json(bought)).toMatchObject({ userId: user, purchased: 5 });
      const poisoned = await purchase('{"amount":5,"reference":"p","__proto__":{"x":1}}', { 'content-type': 'application/json' });
      expect(poisoned.status).toBe(400);
      expect(await json(poisoned)).toMatchObject({ code: 'invalid_request' });
    });
  });

  describe('slow bodies', () => {
    const head = (token?: string) =>
      'POST /admin/users/slowpoke/tokens HTTP/1.1\r\nHost: maas\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n' +
      `${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n{"amount":`;

    it('answers an unauthenticated POST 401 before its body has arrived, and closes the connection', async () => {
      const result = await exchange(portOf(api), head(), { trickle: '1111111111', untilClosed: true, deadlineMs: 3000 });
      expect(statusOf(result.text)).toBe(401);
      expect(result.answeredAfterMs).toBeLessThan(1000);
      expect(headerOf(result.text, 'www-authenticate')).toBe('Bearer realm="maas"');
      expect(headerOf(result.text, 'content-type')).toBe(PROBLEM_JSON);
      expect(result.closedAfterMs).toBeLessThan(1500);
    });

    it('answers an unknown route with a body 404 at once too', async () => {
      const result = await exchange(
        portOf(api),
        'PUT /nowhere HTTP/1.1\r\nHost: maas\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{',
        { trickle: '1', deadlineMs: 3000 },
      );
      expect(statusOf(result.text)).toBe(404);
      expect(result.answeredAfterMs).toBeLessThan(1000);
    });

    it('cuts an authenticated trickle after REQUEST_TIMEOUT_MS with a 408 problem, crediting nothing', async () => {
      const token = strict.token(uniqueUser('admin'), [ADMIN_ROLE]);
      const result = await exchange(portOf(strict), head(token), { trickle: '1', untilClosed: true, deadlineMs: 6000 });
      expect(result.closedAfterMs).toBeGreaterThanOrEqual(1000);
      expect(result.closedAfterMs).toBeLessThan(3500);
      expect(statusOf(result.text)).toBe(408);
      expect(bodyOf(result.text)).toMatchObject({ status: 408, code: 'request_timeout' });
      const balance = await strict.get('/admin/users/slowpoke/balance', token);
      expect(await json(balance)).toMatchObject({ code: 'account_not_found' });
    });

    it('cuts headers that never end after REQUEST_TIMEOUT_MS', async () => {
      const result = await exchange(portOf(strict), 'GET /health/live HTTP/1.1\r\nHost: maas\r\n', { trickle: 'X', untilClosed: true, deadlineMs: 6000 });
      expect(result.closedAfterMs).toBeGreaterThanOrEqual(1000);
      expect(result.closedAfterMs).toBeLessThan(3500);
      expect(statusOf(result.text)).toBe(408);
    });
  });

  describe('what the framework refuses, over raw TCP', () => {
    const secretPath = 'SECRETPATH';

    it.each<[string, string, number, string]>([
      ['a malformed path escape', `GET /memes/${secretPath}%zz HTTP/1.1\r\nHost: maas\r\n\r\n`, 400, 'invalid_request'],
      ['a path segment over the length limit', `GET /memes/${secretPath}${'a'.repeat(200)} HTTP/1.1\r\nHost: maas\r\n\r\n`, 414, 'uri_too_long'],
      ['headers over the size limit', `GET /memes?query=${secretPath} HTTP/1.1\r\nHost: maas\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request_headers_too_large'],
      ['a URL over the size limit', `GET /memes?query=${secretPath}${'a'.repeat(20_000)} HTTP/1.1\r\nHost: maas\r\n\r\n`, 431, 'request_headers_too_large'],
      ['a request line that is not HTTP', `${secretPath} GARBAGE\r\n\r\n`, 400, 'invalid_request'],
      ['a header without a colon', `GET /health/live HTTP/1.1\r\nHost: maas\r\n${secretPath}\r\n\r\n`, 400, 'invalid_request'],
    ])('answers %s as problem+json, echoing nothing', async (_label, request, status, code) => {
      const result = await exchange(portOf(api), request);
      expect(statusOf(result.text)).toBe(status);
      expect(headerOf(result.text, 'content-type')).toBe(PROBLEM_JSON);
      expect(headerOf(result.text, 'x-content-type-options')).toBe('nosniff');
      const body = bodyOf(result.text);
      expect(body).toMatchObject({ status, code, type: `urn:maas:problem:${code}` });
      expect(body.requestId).toEqual(expect.any(String));
      expect(headerOf(result.text, 'x-request-id')).toBe(body.requestId);
      expect(body).not.toHaveProperty('instance');
      expect(result.text).not.toContain(secretPath);
    });
  });

  describe('stored objects', () => {
    let objectPath: string;
    let size: number;

    beforeAll(async () => {
      const user = uniqueUser('viewer');
      expect((await api.credit(user, 3)).status).toBe(201);
      const meme = await json(await api.get(`${memePath()}&format=image`, api.token(user)));
      const redirect = await fetch(api.baseUrl + new URL(meme.meme as string).pathname, { redirect: 'manual' });
      objectPath = new URL(redirect.headers.get('location') as string).pathname;
      size = (await (await fetch(api.baseUrl + objectPath)).arrayBuffer()).byteLength;
      expect(size).toBeGreaterThan(1000);
    });

    it.each([['bytes=abc'], ['bytes=5-1'], ['bytes=-0'], ['at the size']])('answers Range %s with a 416 problem naming the size', async (given) => {
      const range = given === 'at the size' ? `bytes=${size}-` : given;
      const response = await fetch(api.baseUrl + objectPath, { headers: { range } });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
      expect(response.headers.get('content-type')).toBe(PROBLEM_JSON);
      expect(await json(response)).toMatchObject({ status: 416, code: 'range_not_satisfiable' });
    });

    it('serves a suffix longer than the file as the whole file', async () => {
      const response = await fetch(api.baseUrl + objectPath, { headers: { range: `bytes=-${size + 1000}` } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 0-${size - 1}/${size}`);
      expect((await response.arrayBuffer()).byteLength).toBe(size);
    });

    it.each([[{ 'if-match': '"nope"' }], [{ 'if-unmodified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' }]])(
      'answers a failed precondition %j with a 412 problem',
      async (headers) => {
        const response = await fetch(api.baseUrl + objectPath, { headers });
        expect(response.status).toBe(412);
        expect(await json(response)).toMatchObject({ status: 412, code: 'precondition_failed' });
      },
    );
  });

  describe('security headers', () => {
    it('sends a strict CSP and no referrer on every answer, HSTS only with an https public URL', async () => {
      for (const path of ['/health/live', '/nowhere', '/tokens/balance']) {
        const plain = await api.get(path);
        expect(plain.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        expect(plain.headers.get('referrer-policy')).toBe('no-referrer');
        expect(plain.headers.get('strict-transport-security')).toBeNull();
        const https = await strict.get(path);
        expect(https.headers.get('strict-transport-security')).toBe('max-age=31536000');
      }
      const refused = await exchange(portOf(strict), 'GARBAGE\r\n\r\n');
      expect(headerOf(refused.text, 'strict-transport-security')).toBe('max-age=31536000');
    });

    it('serves the docs under a CSP that allows exactly their own scripts and styles', async () => {
      const page = await api.get('/docs');
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await page.text();
      // Every script is a same-origin file: none inline, none from elsewhere.
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      for (const [, attributes, inline] of scripts) {
        expect(attributes).toMatch(/src="\.\/docs\//);
        expect(inline.trim()).toBe('');
      }
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        expect(asset).toMatch(/^\.\/docs\//);
        const response = await api.get(new URL(asset, `${api.baseUrl}/docs`).pathname);
        expect([asset, response.status]).toEqual([asset, 200]);
        if (asset.endsWith('.js')) expect(response.headers.get('content-type')).toMatch(/javascript/);
        if (asset.endsWith('.css')) expect(response.headers.get('content-type')).toMatch(/text\/css/);
        // Read to the end: an unread megabyte of script would hold the connection open.
        expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
      expect((await api.get('/docs/openapi.json')).status).toBe(200);
    });

    it('serves no YAML document', async () => {
      expect((await api.get('/docs-yaml')).status).toBe(404);
    });
  });

  describe('token lifetime', () => {
    it('refuses a token whose exp lies more than JWT_MAX_LIFETIME_SECONDS ahead', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: uniqueUser('forever'), iss: 'maas', aud: 'maas-api', iat: now };
      const tooLong = await api.get('/tokens/balance', forge({ ...claims, exp: now + 31 * 86_400 }));
      expect(tooLong.status).toBe(401);
      expect(tooLong.headers.get('www-authenticate')).toBe('Bearer realm="maas"');
      const withinLimit = await api.get('/tokens/balance', forge({ ...claims, exp: now + 29 * 86_400 }));
      expect(withinLimit.status).toBe(404);
    });
  });
});
