import { randomBytes } from 'node:crypto';
import { json, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

const BAD_TOKEN = { authorization: 'Bearer aaaa.bbbb.cccc' };
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const randomCode = () => randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').slice(0, 10);

/** The answers' statuses, sorted (concurrent answers arrive in any order). */
async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return (await Promise.all(responses)).map((response) => response.status).sort();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs `tasks` with at most `inFlight` at once; answers their results in order. */
async function pool<T>(tasks: (() => Promise<T>)[], inFlight: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

describe('public routes, limited per client IP', () => {
  describe('without trusted proxies', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await TestApi.start(testConfig('postgres', { PUBLIC_RATE_LIMIT_PER_MINUTE: '5' }));
    });
    afterAll(() => api?.close());

    it('admits exactly the limit from one address on every public route, whatever X-Forwarded-For says, and refuses the rest with 429', async () => {
      // A burst, each request claiming another client: the header is not trusted, the socket is.
      const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => api.get('/health/live', undefined, from(`203.0.113.${i}`))));
      expect(burst.map((r) => r.status).sort()).toEqual([...Array(5).fill(200), ...Array(7).fill(429)]);
      const refused = burst.find((r) => r.status === 429) as Response;
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(59);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await json(refused)).toMatchObject({ status: 429, code: 'rate_limited', instance: '/health/live' });
      // The same budget covers links, files, metrics, readiness, unknown paths and bad tokens.
      expect(await statuses(['/m/AAAAAAAAAA', '/objects/memes/x.png', '/metrics', '/health/ready', '/nowhere'].map((path) => api.get(path)))).toEqual([
        429, 429, 429, 429, 429,
      ]);
      expect((await api.get('/tokens/balance', undefined, BAD_TOKEN)).status).toBe(429);
      // A user with a valid token is limited per user, not per address.
      const user = uniqueUser('public-ip');
      expect((await api.credit(user, 1)).status).toBe(201);
      expect((await api.get(memePath(), api.token(user))).status).toBe(200);
    });
  });

  describe('behind a trusted proxy', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await TestApi.start(testConfig('postgres', { PUBLIC_RATE_LIMIT_PER_MINUTE: '5', TRUSTED_PROXIES: '10.9.9.9, 127.0.0.0/8' }));
    });
    afterAll(() => api?.close());

    it('limits each forwarded client on its own', async () => {
      expect(await statuses(Array.from({ length: 7 }, () => api.get(`/m/${randomCode()}`, undefined, from('203.0.113.10'))))).toEqual([404, 404, 404, 404, 404, 429, 429]);
      expect((await api.get(`/m/${randomCode()}`, undefined, from('203.0.113.11'))).status).toBe(404);
      // The client is the last address before the trusted proxies; what the client wrote before it is not believed.
      expect((await api.get(`/m/${randomCode()}`, undefined, from('203.0.113.11, 203.0.113.10'))).status).toBe(429);
    });

    it('counts requests answered 401 against the address, then answers 429, while a valid token from it still works', async () => {
      const ip = from('203.0.113.12');
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await api.get('/tokens/balance', undefined, { ...BAD_TOKEN, ...ip }));
      expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect(answers[0].headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(answers[5].headers.get('www-authenticate')).toBeNull();
      expect(Number(answers[5].headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await json(answers[5])).toMatchObject({ code: 'rate_limited', instance: '/tokens/balance' });
      // Its unauthenticated requests are over the same budget.
      expect((await api.get('/health/live', undefined, ip)).status).toBe(429);
      const user = uniqueUser('public-401');
      expect((await api.credit(user, 1)).status).toBe(201);
      expect((await api.get(memePath(), api.token(user), ip)).status).toBe(200);
    });

    it('never refuses the proxy\'s own health checks, but limits its other requests', async () => {
      expect(await statuses(Array.from({ length: 20 }, () => api.get('/health/ready')))).toEqual(Array(20).fill(200));
      expect(await statuses(Array.from({ length: 7 }, () => api.get(`/m/${randomCode()}`)))).toEqual([404, 404, 404, 404, 404, 429, 429]);
      // Forwarded health checks are a client's, and limited.
      expect(await statuses(Array.from({ length: 7 }, () => api.get('/health/ready', undefined, from('203.0.113.13'))))).toEqual([200, 200, 200, 200, 200, 429, 429]);
    });
  });

  describe('a flood of link lookups and readiness probes while a user buys memes (PostgreSQL ledger)', () => {
    const LIMIT = 600;
    const HOT_IP = '198.51.100.1';
    let api: TestApi;
    beforeAll(async () => {
      api = await TestApi.start(testConfig('postgres', { PUBLIC_RATE_LIMIT_PER_MINUTE: String(LIMIT), TRUSTED_PROXIES: '127.0.0.1' }));
    });
    afterAll(() => api?.close());

    it('keeps the sales free of 503s and readiness at 200, answers the flood only 302/404/429, and counts every token', async () => {
      const user = uniqueUser('flood');
      const token = api.token(user);
      expect((await api.credit(user, 500)).status).toBe(201);
      const buy = async () => {
        const started = performance.now();
        const response = await api.get(memePath('flood'), token);
        await response.arrayBuffer();
        return { status: response.status, ms: performance.now() - started };
      };
      // Two real links, so part of the flood is answered 302.
      const codes: string[] = [];
      for (let i = 0; i < 2; i++) {
        const image = await json(await api.get(`${memePath('flood image')}&format=image`, token));
        expect(image.status).toBe('ready');
        codes.push(new URL(image.meme).pathname.slice(3));
      }

      // 200 purchases, one every 20 ms or so: quiet, then spread over the flood.
      const purchases = async () => {
        const bought = [];
        for (let i = 0; i < 200; i++) {
          bought.push(await buy());
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return bought;
      };
      for (let i = 0; i < 50; i++) expect((await buy()).status).toBe(200); // warm-up
      const quiet = await purchases();

      // 5,000 lookups at 100 in flight: a fifth from one hot address, the rest spread over 40;
      // one in 50 a real code. And 1,000 readiness probes, forwarded, at 20 in flight.
      const lookups = Array.from({ length: 5000 }, (_, i) => async () => {
        const ip = i % 5 === 0 ? HOT_IP : `203.0.113.${i % 40}`;
        const code = i % 50 === 1 ? codes[i % 2] : randomCode();
        const response = await fetch(`${api.baseUrl}/m/${code}`, { headers: from(ip), redirect: 'manual' });
        const body = response.status === 429 ? await json(response) : (await response.arrayBuffer(), {});
        return { ip, status: response.status, detail: body.detail as string | undefined };
      });
      const probes = Array.from({ length: 1000 }, (_, i) => async () => (await api.get('/health/ready', undefined, from(`192.0.2.${i % 40}`))).status);
      let flooding = true;
      // The load balancer's own checks, from the trusted proxy, all through the flood.
      const checker = (async () => {
        const seen: number[] = [];
        while (flooding) {
          seen.push((await api.get('/health/ready')).status);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return seen;
      })();
      const buyer = purchases();
      const floodStarted = performance.now();
      const [looked, probed] = await Promise.all([pool(lookups, 100), pool(probes, 20)]);
      const floodSeconds = (performance.now() - floodStarted) / 1000;
      const underFlood = await buyer;
      flooding = false;
      const checks = await checker;

      const p50Quiet = median(quiet.map((b) => b.ms));
      const p50Flood = median(underFlood.map((b) => b.ms));
      const count = (values: number[]) => Object.fromEntries([...new Set(values)].sort().map((v) => [v, values.filter((x) => x === v).length]));
      process.stdout.write(
        `[public-routes flood] GET /memes p50 quiet ${p50Quiet.toFixed(1)} ms, under flood ${p50Flood.toFixed(1)} ms; ` +
          `flood ${floodSeconds.toFixed(1)} s: lookups ${JSON.stringify(count(looked.map((l) => l.status)))}, ` +
          `readiness ${JSON.stringify(count(probed))}, checker ${JSON.stringify(count(checks))}\n`,
      );

      expect([...quiet, ...underFlood].filter((b) => b.status !== 200)).toEqual([]);
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((status) => status !== 200)).toEqual([]);
      expect(probed.filter((status) => status !== 200 && status !== 429)).toEqual([]);
      expect(looked.filter((l) => ![302, 404, 429].includes(l.status))).toEqual([]);
      expect(looked.filter((l) => l.status === 302)).toHaveLength(100);
      // The hot address made 1,000 lookups in well under a minute: exactly 400 over its limit.
      expect(floodSeconds).toBeLessThan(60);
      const overLimit = looked.filter((l) => l.status === 429 && l.detail?.includes('from this address'));
      expect(overLimit.length).toBe(1000 - LIMIT);
      expect(overLimit.every((l) => l.ip === HOT_IP)).toBe(true);
      const used = 2 * 3 + 50 + 200 + 200;
      expect(await api.balance(user)).toEqual({ userId: user, purchased: 500, used, remaining: 500 - used });
    }, 180_000);
  });
});
