import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { JobQueue } from '@maas/core';
import { FAILED_QUEUE, WEBHOOK_QUEUE } from '@maas/memes';
import { verifyWebhookSignature } from '@maas/notifications';
import { RedisServerProcess } from './setup/redis-server';
import { freePort } from './setup/ports';
import { Json, json, LedgerMode, ledgerModes, memePath, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/**
 * Memes made after their sale, end to end: 202, polling, the job on the real queue, refunds,
 * webhooks and e-mail. Each app gets its own job-queue schema, data directory and (Redis mode)
 * Redis, so no other suite's worker can take its jobs, and storage can be broken on purpose.
 */

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that answers the first `failFirst` deliveries with 500. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly server: Server;

  constructor(private failFirst: number) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.statusCode = this.failFirst-- > 0 ? 500 : 204;
        response.end();
      });
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/maas`;
  }

  async stop(): Promise<void> {
    this.server.close();
  }
}

describe.each(ledgerModes())('memes made after their sale, %s ledger', (mode: LedgerMode) => {
  let api: TestApi;
  let redisServer: RedisServerProcess | undefined;
  let dataDir: string;
  let jobSchema: string;
  let db: Client;
  let smtp: SMTPServer;
  const mails: string[] = [];

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    dataDir = mkdtempSync(join(tmpdir(), 'maas-async-'));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (stream, _session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          done();
        });
      },
    });
    const smtpPort = await freePort();
    smtp.listen(smtpPort, '127.0.0.1');
    jobSchema = `jobs_${randomBytes(4).toString('hex')}`;
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      JOB_QUEUE_SCHEMA: jobSchema,
      JOB_RETRY_LIMIT: '1',
      JOB_RETRY_DELAY_SECONDS: '1',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMTP_FROM: 'MaaS <memes@maas.test>',
    };
    if (mode !== 'postgres') {
      redisServer = new RedisServerProcess(await freePort());
      await redisServer.start();
      env.REDIS_URL = redisServer.url;
    }
    api = await TestApi.start(testConfig(mode, env));
  });

  afterAll(async () => {
    await api?.close();
    await redisServer?.stop();
    smtp?.close();
    await db?.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function fundedUser(tokens: number): Promise<string> {
    const user = uniqueUser('async');
    expect((await api.credit(user, tokens)).status).toBe(201);
    return user;
  }

  async function video(user: string): Promise<Json> {
    const response = await api.get(`${memePath('the deploy worked')}&format=video`, api.token(user));
    expect(response.status).toBe(202);
    return json(response);
  }

  async function usageRows(memeId: string): Promise<{ id: string; kind: string; amount: number }[]> {
    const { rows } = await db.query(`SELECT id, kind, amount FROM usage_events WHERE id IN ($1::text, $1::text || ':refund') ORDER BY id`, [memeId]);
    return rows;
  }

  /** The states of a queue's jobs for one meme, oldest first: final once all are 'completed' or 'failed'. */
  async function jobStates(queue: string, memeId: string): Promise<string[]> {
    const { rows } = await db.query(`SELECT state FROM ${jobSchema}.job WHERE name = $1 AND data->>'memeId' = $2 ORDER BY created_on`, [queue, memeId]);
    return rows.map((row: { state: string }) => row.state);
  }

  /** Makes storage fail for real: the directory memes are written to becomes a file. */
  function breakStorage(): void {
    rmSync(join(dataDir, 'objects', 'memes'), { recursive: true, force: true });
    mkdirSync(join(dataDir, 'objects'), { recursive: true });
    writeFileSync(join(dataDir, 'objects', 'memes'), 'not a directory');
  }

  function repairStorage(): void {
    rmSync(join(dataDir, 'objects', 'memes'), { force: true });
  }

  it('202, then pending, then ready; one webhook delivery, signed, retried after a 500; and an e-mail', async () => {
    const receiver = new Receiver(1);
    const url = await receiver.start();
    try {
      const user = await fundedUser(10);
      const hook = await api.app.inject({ method: 'PUT', url: '/webhooks', headers: { authorization: `Bearer ${api.token(user)}` }, payload: { url } });
      expect(hook.statusCode).toBe(200);
      const { secret } = hook.json();
      expect(secret).toMatch(/^whsec_/);
      const email = `${user}@example.com`;
      const mail = await api.app.inject({ method: 'PUT', url: '/notifications/email', headers: { authorization: `Bearer ${api.token(user)}` }, payload: { email } });
      expect(mail.statusCode).toBe(204);

      const pending = await video(user);
      expect(pending).toMatchObject({ status: 'pending', remaining: 0 });
      const ready = await api.settled(user, pending.id);
      expect(ready.status).toBe('ready');
      expect(ready.meme).toMatch(/\/m\/[0-9A-Za-z]{10}$/);

      // The first delivery got a 500; the retry, after the backoff, is the one accepted.
      await waitFor(async () => (await jobStates(WEBHOOK_QUEUE, pending.id)).join() === 'completed', 30_000);
      expect(receiver.deliveries).toHaveLength(2);
      const [first, second] = receiver.deliveries;
      expect(first.headers['maas-delivery']).toBe(`${pending.id}:meme.ready`);
      expect(second.headers['maas-delivery']).toBe(`${pending.id}:meme.ready`);
      for (const delivery of receiver.deliveries) {
        expect(verifyWebhookSignature(delivery.headers['maas-signature'] as string, secret, delivery.body)).toBe(true);
        expect(verifyWebhookSignature(delivery.headers['maas-signature'] as string, secret, `${delivery.body} `)).toBe(false);
      }
      const event = JSON.parse(second.body);
      expect(event).toMatchObject({ type: 'meme.ready', data: { id: pending.id, status: 'ready', meme: ready.meme, format: 'video' } });

      await waitFor(async () => mails.some((m) => m.includes(pending.id) || m.includes(ready.meme)), 20_000);
      const sent = mails.find((m) => m.includes(ready.meme)) as string;
      expect(sent).toMatch(new RegExp(`^To: ${email}`, 'm'));
      expect(sent).toMatch(/^Subject: .*video/m);
      // Charged once for the meme, nothing refunded.
      expect(await usageRows(pending.id)).toEqual([{ id: pending.id, kind: 'charge', amount: 10 }]);
      expect(await api.balance(user)).toMatchObject({ used: 10, remaining: 0 });
    } finally {
      await receiver.stop();
    }
  });

  it('a meme that cannot be made is retried, then refunded exactly once, and its owner told', async () => {
    const receiver = new Receiver(0);
    const url = await receiver.start();
    breakStorage();
    try {
      const user = await fundedUser(25);
      await api.app.inject({ method: 'PUT', url: '/webhooks', headers: { authorization: `Bearer ${api.token(user)}` }, payload: { url } });
      const pending = await video(user);
      expect(await api.balance(user)).toMatchObject({ used: 10, remaining: 15 });

      const failed = await api.settled(user, pending.id);
      expect(failed).toMatchObject({ status: 'failed', meme: null, error: 'The meme could not be made; its tokens were refunded.' });
      await waitFor(async () => (await api.balance(user)).remaining === 25, 10_000);
      expect(await api.balance(user)).toMatchObject({ purchased: 25, used: 0, remaining: 25 });
      expect(await usageRows(pending.id)).toEqual([
        { id: pending.id, kind: 'charge', amount: 10 },
        { id: `${pending.id}:refund`, kind: 'refund', amount: 10 },
      ]);
      const { rows: attempts } = await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE user_id = $1`, [user]);
      expect(attempts[0].n).toBe(2);

      // The dead-letter job runs again (a worker died after refunding, say): still one refund.
      const queue = api.app.get(JobQueue);
      await queue.send(FAILED_QUEUE, { memeId: pending.id }, { id: undefined });
      await waitFor(async () => (await jobStates(FAILED_QUEUE, pending.id)).join() === 'completed,completed', 20_000);
      expect(await usageRows(pending.id)).toHaveLength(2);
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 25 });

      await waitFor(async () => receiver.deliveries.length === 1, 20_000);
      expect(JSON.parse(receiver.deliveries[0].body)).toMatchObject({ type: 'meme.failed', data: { id: pending.id, status: 'failed' } });
    } finally {
      repairStorage();
      await receiver.stop();
    }
  });

  it('an image that cannot be stored is refused with 503 and charges nothing', async () => {
    breakStorage();
    try {
      const user = await fundedUser(3);
      const response = await api.get(`${memePath()}&format=image`, api.token(user));
      expect(response.status).toBe(503);
      expect(await json(response)).toMatchObject({ code: 'service_unavailable' });
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 3 });
    } finally {
      repairStorage();
    }
  });
});

describe('webhook URLs', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig('postgres', { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' }));
  });

  afterAll(async () => {
    await api?.close();
  });

  const put = (user: string, payload: unknown) =>
    api.app.inject({ method: 'PUT', url: '/webhooks', headers: { authorization: `Bearer ${api.token(user)}` }, payload: payload as object });

  it.each([
    ['loopback', 'https://127.0.0.1/hook'],
    ['loopback by name', 'https://localhost/hook'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data'],
    ['private network', 'https://10.0.0.8/hook'],
    ['loopback in decimal', 'https://2130706433/hook'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['plain http', 'http://93.184.216.34/hook'],
    ['credentials', 'https://user:pass@93.184.216.34/hook'],
    ['not a URL', 'hook'],
  ])('refuses a %s URL with 400', async (_, url) => {
    const response = await put(uniqueUser('ssrf'), { url });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'url' }] });
  });

  it('refuses unknown fields and a missing url', async () => {
    expect((await put(uniqueUser('ssrf'), { url: 'https://93.184.216.34/h', admin: true })).statusCode).toBe(400);
    expect((await put(uniqueUser('ssrf'), {})).statusCode).toBe(400);
  });

  it('keeps a public URL, shows it to its owner only, and keeps the secret when the URL changes', async () => {
    const user = uniqueUser('hook');
    const first = await put(user, { url: 'https://93.184.216.34/hook' });
    expect(first.statusCode).toBe(200);
    const second = await put(user, { url: 'https://93.184.216.34/other' });
    expect(second.json()).toEqual({ url: 'https://93.184.216.34/other', secret: first.json().secret });
    expect((await api.get('/webhooks', api.token(user))).status).toBe(200);
    expect((await api.get('/webhooks', api.token(uniqueUser('other')))).status).toBe(404);
    const removed = await api.app.inject({ method: 'DELETE', url: '/webhooks', headers: { authorization: `Bearer ${api.token(user)}` } });
    expect(removed.statusCode).toBe(204);
    expect((await api.get('/webhooks', api.token(user))).status).toBe(404);
  });

  it('refuses an e-mail address that is not one', async () => {
    for (const email of ['not-an-email', 'a@b@c', 'x'.repeat(250) + '@e.co', 'a b@example.com']) {
      const response = await api.app.inject({
        method: 'PUT',
        url: '/notifications/email',
        headers: { authorization: `Bearer ${api.token(uniqueUser('mail'))}` },
        payload: { email },
      });
      expect(response.statusCode).toBe(400);
    }
  });
});
