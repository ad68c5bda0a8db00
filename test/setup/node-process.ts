import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { TEST_SECRET } from './test-app';

/** The built apps, as `npm start` and `npm run start:worker` run them. */
export const API_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'api', 'apps', 'api', 'src', 'main.js');
export const WORKER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'worker', 'apps', 'worker', 'src', 'main.js');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A token as the API expects it, signed here so the test needs nothing from the app under test. */
export function jwt(userId: string, roles: string[] = []): string {
  return sign({ roles }, TEST_SECRET, { algorithm: 'HS256', issuer: 'maas', audience: 'maas-api', subject: userId, expiresIn: 600 });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP exchange on its own connection (no keep-alive pool that could hand a retry a socket of
 * the killed process). Rejects when the connection dies before the whole answer has arrived.
 */
export function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  signal?: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 20_000, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A built app (`node dist/.../main.js`) as a child process, which the test can SIGKILL. */
export class NodeProcess {
  output = '';
  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(main: string, env: NodeJS.ProcessEnv, port: number): Promise<NodeProcess> {
    const api = new NodeProcess(spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (api.child.exitCode !== null || api.child.signalCode !== null) throw new Error(`the process exited during start-up:\n${api.output}`);
      try {
        if ((await call(port, 'GET', '/health/ready', {})).status === 200) return api;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await api.kill();
        throw new Error(`the process was not ready within 30 s:\n${api.output}`);
      }
      await sleep(50);
    }
  }

  /** SIGTERM, as Kubernetes sends it; resolves with the exit code once the process is gone. */
  async terminate(): Promise<number | null> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const [code] = await exited;
    return code as number | null;
  }

  /** SIGKILL, synchronously: the process stops wherever it is. */
  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

export async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

