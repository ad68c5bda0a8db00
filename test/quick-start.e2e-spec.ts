import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './setup/ports';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'apps', 'api', 'apps', 'api', 'src', 'main.js');


/** `npm start` as a newcomer runs it: no DATABASE_URL, no REDIS_URL, no JWT_SECRET. */
class QuickStart {
  output = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** The built API, or (`checkout`) the README's two commands run in that directory. */
  private static spawn(dataDir: string | undefined, port: number, postgresPort: number, checkout?: string): QuickStart {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(postgresPort), NODE_ENV: 'development' };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'LOG_LEVEL', 'DEMO_TOKENS', 'DATA_DIR', 'CI']) delete env[name];
    if (dataDir) env.DATA_DIR = dataDir;
    const child = checkout
      ? spawn('sh', ['-c', 'npm ci --no-audit --no-fund --prefer-offline && npm start'], { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      : spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new QuickStart(child);
  }

  /** `npm ci && npm start` in a checkout; stopped with its whole process group. */
  static async fromCheckout(checkout: string, port: number, postgresPort: number): Promise<QuickStart> {
    return QuickStart.until(QuickStart.spawn(undefined, port, postgresPort, checkout), 240_000);
  }

  async stopGroup(): Promise<void> {
    const exited = once(this.child, 'exit');
    process.kill(-(this.child.pid as number), 'SIGTERM');
    await exited;
  }

  /** A start that must fail: its exit code and its output's lines. */
  static async failing(dataDir: string, port: number, postgresPort: number): Promise<{ code: number; lines: string[] }> {
    const run = QuickStart.spawn(dataDir, port, postgresPort);
    const [code] = (await once(run.child, 'exit')) as [number];
    return { code, lines: run.output.trim().split('\n').filter((line) => !line.startsWith('{')) };
  }

  static async start(dataDir: string, port: number, postgresPort: number): Promise<QuickStart> {
    return QuickStart.until(QuickStart.spawn(dataDir, port, postgresPort), 60_000);
  }

  private static async until(run: QuickStart, timeoutMs: number): Promise<QuickStart> {
    const deadline = Date.now() + timeoutMs;
    while (!run.output.includes('Try it:')) {
      if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start:\n${run.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return run;
  }

  /** The curl line the banner prints, taken apart. */
  get tryIt(): { token: string; url: string } {
    const match = /curl -s -H "Authorization: Bearer ([^"]+)" "([^"]+)"/.exec(this.output);
    if (!match) throw new Error(`no curl line in:\n${this.output}`);
    return { token: match[1], url: match[2] };
  }

  /** SIGTERM, as `docker stop` or Kubernetes would send; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    const [code] = await once(this.child, 'exit');
    return code as number | null;
  }
}

describe('quick start: npm start on a machine with only Node', () => {
  if (!existsSync(MAIN)) {
    it('needs the build: run `npm run build` (npm test does it first)', () => {
      throw new Error(`${MAIN} is missing`);
    });
    return;
  }
  // mkdtemp makes it 0700: as root, the postgres system user cannot reach it.
  const dataDir = join(mkdtempSync(join(tmpdir(), 'maas-quick-start-')), '.data');

  it('starts on embedded PostgreSQL, prints a working curl line, and keeps its state across restarts', async () => {
    const [port, postgresPort] = [await freePort(), await freePort()];
    const first = await QuickStart.start(dataDir, port, postgresPort);
    try {
      expect(first.output).toContain('has 100 of 100 tokens left');
      const { token, url } = first.tryIt;
      expect(url).toBe(`http://localhost:${port}/memes?lat=48.8566&lon=2.3522&query=deploy%20on%20Friday`);
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ meme: expect.stringContaining('deploy on Friday'), remaining: 99 });

      // The printed image and video lines work too: the in-process worker makes the video.
      const [image, video] = [...first.output.matchAll(/curl -s -H "Authorization: Bearer [^"]+" "([^"]+format=(?:image|video))"/g)].map((m) => m[1]);
      const imageMeme = (await (await fetch(image, { headers: { authorization: `Bearer ${token}` } })).json()) as { meme: string };
      expect(imageMeme).toMatchObject({ format: 'image', status: 'ready', remaining: 96 });
      const picture = await fetch(imageMeme.meme);
      expect([picture.status, picture.headers.get('content-type')]).toEqual([200, 'image/png']);
      const pending = await fetch(video, { headers: { authorization: `Bearer ${token}` } });
      expect(pending.status).toBe(202);
      const statusUrl = `http://localhost:${port}${pending.headers.get('location')}`;
      let meme: { status?: string; meme?: string } = {};
      for (const deadline = Date.now() + 30_000; meme.status !== 'ready' && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        meme = (await (await fetch(statusUrl, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof meme;
      }
      expect(meme.status).toBe('ready');
      const clip = await fetch(meme.meme as string);
      expect([clip.status, clip.headers.get('content-type')]).toEqual([200, 'video/mp4']);
      // Another checkout pointed at the same embedded PostgreSQL port is refused, in one line.
      const other = await QuickStart.failing(join(mkdtempSync(join(tmpdir(), 'maas-other-checkout-')), '.data'), await freePort(), postgresPort);
      expect(other.code).toBe(1);
      expect(other.lines).toHaveLength(1);
      expect(other.lines[0]).toMatch(new RegExp(`^MaaS failed to start: Port ${postgresPort} is served by another checkout's embedded PostgreSQL .*set EMBEDDED_POSTGRES_PORT to a free port$`));
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // Same data dir: same secret (the old token still works), and the demo credit is not repeated.
    const second = await QuickStart.start(dataDir, port, postgresPort);
    try {
      expect(second.output).toContain('has 86 of 100 tokens left');
      const balance = await fetch(`http://localhost:${port}/tokens/balance`, { headers: { authorization: `Bearer ${first.tryIt.token}` } });
      expect(await balance.json()).toEqual({ userId: 'demo', purchased: 100, used: 14, remaining: 86 });
    } finally {
      expect(await second.stop()).toBe(0);
    }
    expect(second.output).toContain('SIGTERM: draining');
    expect(second.output).toMatch(/"msg":"Closed"/);
    // As root the cluster lives outside DATA_DIR, where the postgres user can reach it.
    const cluster = /Creating an embedded PostgreSQL cluster in (\S+)/.exec(first.output)?.[1] as string;
    expect(cluster).toEqual(process.getuid?.() === 0 ? expect.stringMatching(/^\/var\/tmp\/maas-postgres\/[0-9a-f]{12}$/) : join(dataDir, 'postgres'));
    rmSync(cluster, { recursive: true, force: true });
  }, 120_000);

  it('runs the README\'s `npm ci && npm start` in a fresh copy of the checkout in a 0700 directory', async () => {
    // The committed files, as a clone has them, in a directory only its owner can enter.
    const checkout = mkdtempSync(join(tmpdir(), 'maas-clone-'));
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) cpSync(join(ROOT, file), join(checkout, file), { recursive: true });
    const [port, postgresPort] = [await freePort(), await freePort()];
    const run = await QuickStart.fromCheckout(checkout, port, postgresPort);
    try {
      const { token, url } = run.tryIt;
      const response = await fetch(url.replace('localhost', '127.0.0.1'), { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ meme: expect.stringContaining('deploy on Friday'), remaining: 99 });
    } finally {
      await run.stopGroup();
      // The API drains, stops its PostgreSQL and exits; then its files can go.
      await waitUntilClosed(port);
      const cluster = /Creating an embedded PostgreSQL cluster in (\S+)/.exec(run.output)?.[1];
      if (cluster) rmSync(cluster, { recursive: true, force: true });
      rmSync(checkout, { recursive: true, force: true });
    }
  }, 300_000);

  it('refuses a port another program holds, in one line, with exit code 1', async () => {
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    try {
      const { code, lines } = await QuickStart.failing(join(mkdtempSync(join(tmpdir(), 'maas-port-taken-')), '.data'), await freePort(), taken);
      expect(code).toBe(1);
      expect(lines).toEqual([`MaaS failed to start: Port ${taken} is taken by another program; set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use your own PostgreSQL`]);
    } finally {
      squatter.close();
    }
  });

  it('refuses a DATA_DIR it cannot create, in one line, with exit code 1', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'maas-not-a-dir-')), 'file');
    writeFileSync(file, '');
    const { code, lines } = await QuickStart.failing(join(file, '.data'), await freePort(), await freePort());
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^MaaS failed to start: Cannot use DATA_DIR .*point DATA_DIR to a writable directory$/);
  });
});

/** Resolves once nothing accepts connections on the port (at most 30 s). */
async function waitUntilClosed(port: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), done(true)));
      socket.once('error', () => done(false));
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`port ${port} still open`);
}
