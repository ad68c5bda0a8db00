import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Backend {
  readonly name: string;
  readonly port: number;
}

/** Whether HAProxy is installed; with CI=true a missing one fails the suite instead of skipping it. */
export function haproxyMissing(): string | undefined {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return undefined;
  } catch {
    if (process.env.CI === 'true') throw new Error('CI=true but haproxy is not installed (.ci/run installs the Debian package)');
    return 'haproxy is not installed (apt-get install haproxy)';
  }
}

/**
 * A real HAProxy in front of API instances: round robin, the readiness route as health check
 * (`inter 500ms fall 2 rise 2`, as the operations guide recommends), retries only of connections
 * that could not be made (nothing was sent, so nothing can have been charged).
 */
export class Haproxy {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(port: number, backends: readonly Backend[]): Promise<Haproxy> {
    const dir = mkdtempSync(join(tmpdir(), 'maas-haproxy-'));
    const config = [
      'global',
      `  stats socket ${join(dir, 'admin.sock')} level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  timeout check 1s',
      '  retries 3',
      '  option redispatch',
      'frontend api',
      `  bind 127.0.0.1:${port}`,
      '  default_backend apis',
      'backend apis',
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check inter 500ms fall 2 rise 2`),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    const child = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const proxy = new Haproxy(child, dir);
    // Its alerts (a server going DOWN or UP), kept for a failing test's message.
    child.stderr?.on('data', (chunk: Buffer) => (proxy.output = (proxy.output + chunk.toString()).slice(-20_000)));
    for (let attempt = 0; (await proxy.states().catch(() => undefined)) === undefined; attempt++) {
      if (child.exitCode !== null || attempt === 100) throw new Error(`haproxy did not start:\n${proxy.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return proxy;
  }

  /** Each backend server's state as HAProxy's health checks see it (UP, DOWN, …). */
  async states(): Promise<Record<string, string>> {
    const rows = await this.stats();
    return Object.fromEntries(Object.entries(rows).map(([server, row]) => [server, row.status]));
  }

  /**
   * `show stat` for the API backend's servers, by server name: each column HAProxy reports
   * (status, hrsp_2xx, wretr for retries, wredis for redispatches, …).
   */
  async stats(): Promise<Record<string, Record<string, string>>> {
    const socket = connect(join(this.dir, 'admin.sock'));
    await once(socket, 'connect');
    socket.end('show stat\n');
    let csv = '';
    for await (const chunk of socket) csv += chunk;
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n').map((line) => line.split(','));
    const servers = rows.filter((row) => row[0] === 'apis' && row[1] !== 'BACKEND' && row[1] !== 'FRONTEND');
    return Object.fromEntries(servers.map((row) => [row[1], Object.fromEntries(header.map((column, i) => [column, row[i]]))]));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
