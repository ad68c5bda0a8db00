/**
 * The bare baseline: plain Fastify doing the same work as `GET /memes` — the same JWT
 * verification, the same Lua charge script through the same ioredis settings, the same caption —
 * and nothing else (no Nest, no validation, no rate limiting, no logging).
 * Run by bench/run.ts as its own process: PORT, REDIS_URL, REDIS_KEY_PREFIX, JWT_SECRET from the environment.
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { connectRedis, createRedis, LuaScript } from '../libs/core/src';
import { PlaceFinder, writeCaption } from '../libs/memes/src';
import { accountKey, fenceKey, SELL_SCRIPT, SOLD, soldKey, undeliveredKey, usageStreamOf } from '../libs/tokens/src/redis.scripts';

const COMMAND_TIMEOUT_MS = 500; // the API's default REDIS_COMMAND_TIMEOUT_MS

async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const key = createSecretKey(Buffer.from(env.JWT_SECRET));
  const settings = { redisUrl: env.REDIS_URL, redisCommandTimeoutMs: COMMAND_TIMEOUT_MS };
  const redis = await connectRedis(createRedis(settings, env.REDIS_KEY_PREFIX), settings);
  const sell = new LuaScript<[status: number, redisTime: number, remaining: number]>(SELL_SCRIPT);
  const places = new PlaceFinder();
  const app = Fastify();

  app.get('/memes', async (request, reply) => {
    let sub: string;
    try {
      const token = (request.headers.authorization ?? '').slice('Bearer '.length);
      sub = (jwt.verify(token, key, { algorithms: ['HS256'], issuer: 'maas', audience: 'maas-api' }) as { sub: string }).sub;
    } catch {
      return reply.status(401).send({ code: 'unauthorized' });
    }
    const { lat, lon, query } = request.query as Record<string, string>;
    const place = places.nearest(Number(lat), Number(lon));
    const caption = writeCaption(query, place);
    // The same meme, the same sale (charge + usage event) and the same response body as the API's.
    const id = randomUUID();
    const content = {
      id,
      format: 'text',
      generator: 'standard',
      status: 'ready',
      meme: `${caption.top} / ${caption.bottom}`,
      statusUrl: `/memes/${id}`,
      caption,
      place,
      userId: sub,
      lat: Number(lat),
      lon: Number(lon),
      query,
      cost: 1,
      createdAt: new Date().toISOString(),
    };
    const keys = [accountKey(sub), usageStreamOf(sub), soldKey(sub), undeliveredKey(sub), fenceKey(sub, id)];
    const args = [1, Date.now() + COMMAND_TIMEOUT_MS, id, sub, 'text', JSON.stringify(content), '', 0];
    const [status, , remaining] = await sell.run(redis, keys, args);
    if (status !== SOLD) return reply.status(402).send({ code: 'insufficient_tokens' });
    return { ...content, remaining };
  });

  await app.listen({ port: Number(env.PORT), host: '127.0.0.1' });
  process.send?.('ready');
}

void main();
