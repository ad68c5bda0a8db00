import dns from 'node:dns';
import http, { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { sendWebhook, WebhookRequest } from './webhook-sender';
import { verifyWebhookSignature } from './webhook-signature';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A real HTTP server on 127.0.0.1 that records every connection and request it sees. */
class Receiver {
  readonly requests: Received[] = [];
  readonly sockets: Socket[] = [];
  private readonly server: http.Server;

  constructor(private readonly handle: (request: IncomingMessage, response: ServerResponse) => void = (_, response) => response.writeHead(204).end()) {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
        this.handle(request, response);
      });
    });
    this.server.on('connection', (socket: Socket) => this.sockets.push(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks/maas'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

const SECRET = 'whsec_sender_test';

function delivery(url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    url,
    secret: SECRET,
    event: 'meme.ready',
    payload: { memeId: '6f1c', caption: 'Ça marche "vraiment" <b>', link: 'https://cdn.example.com/m/6f1c.mp4' },
    timeoutMs: 5000,
    allowPrivateNetworks: true,
    deliveryId: 'dlv_01HZX',
    ...overrides,
  };
}

const receivers: Receiver[] = [];
async function receiver(handle?: (request: IncomingMessage, response: ServerResponse) => void): Promise<Receiver> {
  const started = await new Receiver(handle).start();
  receivers.push(started);
  return started;
}

afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

describe('sendWebhook', () => {
  it('POSTs one signed JSON delivery with the documented headers', async () => {
    const server = await receiver();
    const result = await sendWebhook(delivery(server.url('/hooks/maas?tenant=7')));

    expect(result).toEqual({ delivered: true, status: 204 });
    expect(server.sockets).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/maas?tenant=7');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('maas-webhooks/1');
    expect(request.headers['maas-delivery']).toBe('dlv_01HZX');
    expect(request.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(request.headers['content-length']).toBe(String(request.body.length));

    const body = JSON.parse(request.body.toString('utf8'));
    expect(body).toEqual({
      id: 'dlv_01HZX',
      type: 'meme.ready',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: { memeId: '6f1c', caption: 'Ça marche "vraiment" <b>', link: 'https://cdn.example.com/m/6f1c.mp4' },
    });

    const signature = request.headers['maas-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Number(/^t=(\d+)/.exec(signature)?.[1])).toBe(Math.floor(Date.parse(body.createdAt) / 1000));
    expect(verifyWebhookSignature(signature, SECRET, request.body)).toBe(true);
    expect(verifyWebhookSignature(signature, 'whsec_other', request.body)).toBe(false);
  });

  it.each([200, 201, 202, 299])('counts %i as delivered', async (status) => {
    const server = await receiver((_, response) => response.writeHead(status).end('ok'));
    expect(await sendWebhook(delivery(server.url()))).toEqual({ delivered: true, status });
  });

  it.each([500, 502, 503, 504, 408, 429])('retries after %i', async (status) => {
    const server = await receiver((_, response) => response.writeHead(status).end('try later'));
    const result = await sendWebhook(delivery(server.url()));
    expect(result).toEqual({ delivered: false, retryable: true, status, reason: `the receiver answered ${status}` });
    expect(server.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 410, 413, 422])('gives up after %i', async (status) => {
    const server = await receiver((_, response) => response.writeHead(status).end('no'));
    expect(await sendWebhook(delivery(server.url()))).toEqual({ delivered: false, retryable: false, status, reason: `the receiver answered ${status}` });
  });

  it.each([301, 302, 307, 308])('does not follow a %i redirect, and does not retry it', async (status) => {
    const target = await receiver();
    const server = await receiver((_, response) => response.writeHead(status, { Location: target.url('/elsewhere') }).end());
    const result = await sendWebhook(delivery(server.url()));
    expect(result).toMatchObject({ delivered: false, retryable: false, status });
    expect(!result.delivered && result.reason).toContain('redirect');
    expect(server.requests).toHaveLength(1);
    expect(target.sockets).toHaveLength(0);
  });

  it('times out on a receiver that never answers, as retryable, and closes the socket', async () => {
    const server = await receiver(() => undefined);
    const result = await sendWebhook(delivery(server.url(), { timeoutMs: 300 }));
    expect(result).toEqual({ delivered: false, retryable: true, reason: 'no response within 300 ms' });
    expect(server.sockets).toHaveLength(1);
    await closed(server.sockets[0]);
    expect(server.sockets[0].destroyed).toBe(true);
  });

  it('reads a few KB of an endless response, then hangs up with the verdict', async () => {
    let writer: NodeJS.Timeout | undefined;
    const server = await receiver((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      writer = setInterval(() => response.write('x'.repeat(16 * 1024)), 5);
      response.on('close', () => clearInterval(writer));
    });
    // A timeout past Jest's own: only cutting the body short lets this test finish.
    const result = await sendWebhook(delivery(server.url(), { timeoutMs: 120_000 }));
    expect(result).toEqual({ delivered: true, status: 200 });
    await closed(server.sockets[0]);
    clearInterval(writer);
  });

  it('reports a refused connection as retryable', async () => {
    const server = await receiver();
    const url = server.url();
    await server.stop();
    const result = await sendWebhook(delivery(url));
    expect(result).toEqual({ delivered: false, retryable: true, reason: 'the request failed: ECONNREFUSED' });
  });

  describe('with private networks refused (production)', () => {
    it.each([
      ['a literal loopback address', (port: number) => `https://127.0.0.1:${port}/hook`],
      ['a host resolving to loopback', (port: number) => `https://localhost:${port}/hook`],
      ['loopback written as a number', (port: number) => `https://2130706433:${port}/hook`],
      ['plain http', (port: number) => `http://127.0.0.1:${port}/hook`],
    ])('refuses %s without connecting, for good', async (_name, url) => {
      const server = await receiver();
      const result = await sendWebhook(delivery(url(server.port), { allowPrivateNetworks: false }));
      expect(result).toMatchObject({ delivered: false, retryable: false });
      expect(server.sockets).toHaveLength(0);
    });

    it('refuses a host whose DNS now answers a private address among public ones (rebinding)', async () => {
      const server = await receiver();
      jest.spyOn(dns.promises, 'lookup').mockResolvedValue([
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ] as never);
      const result = await sendWebhook(delivery(`https://rebind.example.com:${server.port}/hook`, { allowPrivateNetworks: false }));
      expect(result).toEqual({
        delivered: false,
        retryable: false,
        reason: 'the host rebind.example.com resolves to a loopback address; webhooks must go to a public internet address',
      });
      expect(server.sockets).toHaveLength(0);
    });
  });

  it('connects to the address it vetted, without a second lookup, keeping the host name in Host', async () => {
    const server = await receiver();
    const lookup = jest
      .spyOn(dns.promises, 'lookup')
      .mockResolvedValueOnce([{ address: '127.0.0.1', family: 4 }] as never)
      .mockRejectedValue(Object.assign(new Error('a second lookup happened'), { code: 'EREBIND' }));
    const result = await sendWebhook(delivery(`http://hooks.example.test:${server.port}/hook`));
    expect(result).toEqual({ delivered: true, status: 204 });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(server.requests[0].headers.host).toBe(`hooks.example.test:${server.port}`);
  });

  it('over https, names the host in SNI while connecting to the vetted address; a TLS failure is retryable', async () => {
    // No certificate needed: the server notes the SNI of the ClientHello, then aborts the handshake.
    const names: string[] = [];
    const server = tls.createServer({
      SNICallback: (name, callback) => {
        names.push(name);
        callback(new Error('no certificate for you'), undefined);
      },
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      jest.spyOn(dns.promises, 'lookup').mockResolvedValue([{ address: '127.0.0.1', family: 4 }] as never);
      const port = (server.address() as AddressInfo).port;
      const result = await sendWebhook(delivery(`https://hooks.example.test:${port}/hook`));
      expect(result).toMatchObject({ delivered: false, retryable: true, reason: expect.stringMatching(/^the request failed: /) });
      expect(names).toEqual(['hooks.example.test']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('retries when the host does not resolve at send time', async () => {
    jest.spyOn(dns.promises, 'lookup').mockRejectedValue(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    expect(await sendWebhook(delivery('https://gone.example.com/hook', { allowPrivateNetworks: false }))).toEqual({
      delivered: false,
      retryable: true,
      reason: 'the host gone.example.com does not resolve to any address',
    });
  });

  it.each([
    ['an invalid URL', { url: 'not a url' }],
    ['a URL with credentials', { url: 'http://user:pw@127.0.0.1/hook' }],
    ['an unserializable payload', { payload: { big: BigInt(1) } }],
    ['an empty secret', { secret: '' }],
    ['a delivery id with a newline', { deliveryId: 'dlv\r\nX-Injected: 1' }],
    ['a timeout of zero', { timeoutMs: 0 }],
    ['an infinite timeout', { timeoutMs: Infinity }],
  ])('returns, never throws, for %s: not retryable', async (_name, overrides) => {
    const server = await receiver();
    const result = await sendWebhook(delivery(server.url(), overrides as Partial<WebhookRequest>));
    expect(result).toMatchObject({ delivered: false, retryable: false });
    expect(server.sockets).toHaveLength(0);
  });
});
