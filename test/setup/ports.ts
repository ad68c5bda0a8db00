import { createServer } from 'node:net';

/** A port nothing listens on now (the kernel picks one when `port` is 0); rejects if `port` is taken. */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
    server.on('error', reject);
  });
}
