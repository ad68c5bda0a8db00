import { createServer, connect, Server, Socket } from 'node:net';

/**
 * A TCP proxy a test can cut: `cut()` drops every connection and refuses new ones, as if the
 * database vanished from the network; `restore()` lets connections through again. `holdReplies()`
 * keeps the server's replies (its commands still arrive and run) until `releaseReplies()`.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private held?: { client: Socket; chunk: Buffer }[];

  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => (this.held ? this.held.push({ client, chunk }) : client.write(chunk)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  holdReplies(): void {
    this.held ??= [];
  }

  releaseReplies(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { client, chunk } of held) if (!client.destroyed) client.write(chunk);
  }

  restore(): Promise<void> {
    return this.start();
  }
}
