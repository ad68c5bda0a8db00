import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { LuaScript, RedisClient } from '../redis/lua-script';

/** How often an instance adds its new hits to the shared counters and learns the others'. */
export const RATE_LIMIT_SYNC_MS = 50;
/** A window not exchanged with Redis for this long is exchanged before its next request is counted. */
const STALE_MS = 2 * RATE_LIMIT_SYNC_MS;

/**
 * KEYS[1] window counter; ARGV[1] hits to add, ARGV[2] window in ms. A fixed window: add, start
 * the clock if the window is new, answer the window's count and time left. One key per call, so
 * it runs unchanged on Redis Cluster.
 */
const ADD = new LuaScript<[number, number]>(`
local hits = redis.call('INCRBY', KEYS[1], ARGV[1])
if hits == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {hits, redis.call('PTTL', KEYS[1])}
`);

/** One key's window, as this instance knows it. */
interface Window {
  endsAt: number;
  /** This instance's hits in the window. */
  own: number;
  /** Of those, the ones Redis has counted, and the ones not sent yet. */
  acknowledged: number;
  unsent: number;
  /** The other instances' hits, as of the last exchange. */
  others: number;
  exchangedAt: number;
  exchange?: Promise<void>;
}

/**
 * Rate-limit counters shared by every instance through Redis, without a Redis round trip per
 * request. An instance counts its own hits at once and adds them to the shared counter every
 * RATE_LIMIT_SYNC_MS, in one call per key that also brings back the other instances' hits. A
 * request finding its window stale (new, or not exchanged for 100 ms) waits for an exchange
 * first. So one instance is exact, and across instances a user gets past the limit by what the
 * other instances admitted in the last 100 ms at most.
 *
 * Failure mode: with Redis unreachable each instance goes on limiting by its own count, keeping
 * the hits to send once Redis answers; the ledger, which fails closed, still refuses to hand out
 * uncounted memes.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, BeforeApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly windows = new Map<string, Window>();
  private readonly timer = setInterval(() => void this.sync(), RATE_LIMIT_SYNC_MS).unref();
  private failing = false;

  constructor(private readonly redis: RedisClient) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return this.count(key, ttl, limit);
  }

  /**
   * increment(), answered at once when the window was exchanged lately (nearly every request):
   * a promise only when the hit must wait for an exchange first.
   */
  count(key: string, ttl: number, limit: number): ThrottlerStorageRecord | Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now >= window.endsAt) {
      window = { endsAt: now + ttl, own: 0, acknowledged: 0, unsent: 0, others: 0, exchangedAt: 0 };
      this.windows.set(key, window);
    }
    // This hit's place among the instance's own is fixed now, before any wait.
    const own = ++window.own;
    window.unsent += 1;
    if (now - window.exchangedAt <= STALE_MS) return recordOf(window, own, limit);
    return (window.exchange ??= this.exchange(key, window)).then(() => recordOf(window, own, limit));
  }

  /** Sends every window's new hits now; forgets ended windows. */
  async sync(): Promise<void> {
    const now = Date.now();
    const exchanges: Promise<void>[] = [];
    for (const [key, window] of this.windows) {
      if (now >= window.endsAt) this.windows.delete(key);
      else if (window.unsent > 0) exchanges.push((window.exchange ??= this.exchange(key, window)));
    }
    await Promise.all(exchanges);
  }

  /** Before the Redis client closes: the last hits still count for the other instances. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
  }

  private async exchange(key: string, window: Window): Promise<void> {
    const hits = window.unsent;
    window.unsent = 0;
    try {
      const [shared, pttl] = await ADD.run(this.redis, [`rl:${key}`], [hits, Math.max(1, window.endsAt - Date.now())]);
      window.acknowledged += hits;
      // Less than this instance sent means Redis lost the counter: the others' hits are unknown.
      window.others = Math.max(0, shared - window.acknowledged);
      if (pttl > 0) window.endsAt = Date.now() + pttl;
      if (this.failing) this.logger.log('Rate-limit counters are shared through Redis again');
      this.failing = false;
    } catch (error) {
      window.unsent += hits;
      if (!this.failing) this.logger.warn(`Rate limits counted per instance until Redis answers: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      window.exchangedAt = Date.now();
      window.exchange = undefined;
    }
  }
}

/** The hit numbered `own` among this instance's, as the throttler sees it. */
function recordOf(window: Window, own: number, limit: number): ThrottlerStorageRecord {
  const totalHits = window.others + own;
  const timeToExpire = Math.max(1, Math.ceil((window.endsAt - Date.now()) / 1000));
  const isBlocked = totalHits > limit;
  return { totalHits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
}
