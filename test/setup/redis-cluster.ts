import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real 3-master Redis Cluster from plain redis-server processes (no persistence), created with
 * `redis-cli --cluster create`. Needs redis-server and redis-cli on the PATH.
 */
export async function startRedisCluster(ports: number[]): Promise<{ nodes: string[]; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'maas-cluster-'));
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(servers.filter((s) => s.exitCode === null).map((s) => (s.kill('SIGKILL'), once(s, 'exit'))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await until(async () => (await cli(port, 'ping')).trim() === 'PONG');
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) await until(async () => (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'));
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function cli(port: number, ...args: string[]): Promise<string> {
  try {
    return (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  } catch {
    return '';
  }
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('Redis Cluster did not come up');
}
