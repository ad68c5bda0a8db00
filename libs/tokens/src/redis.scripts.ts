import { createHash } from 'node:crypto';

/**
 * The Redis side of the ledger; the only file that knows its key names.
 *
 * Users are spread over SHARDS hash tags `{m<n>}`. Every key of a user and the usage stream of
 * the user's shard share that tag, so one script can charge the account, append the usage event
 * and store the idempotency record atomically, and it runs unchanged on Redis Cluster (one slot
 * per shard). The worker drains SHARDS streams.
 *
 *   {m<n>}:a:<user>            hash  p (tokens purchased), u (tokens charged), n (charges so far),
 *                                    r (tokens refunded; absent while 0): the balance is p + r - u
 *   {m<n>}:usage               stream of usage events, drained into PostgreSQL
 *   {m<n>}:usage:dead          events PostgreSQL refused, set aside
 *   {m<n>}:i:<user>:<sha1 key> hash  fp, status, remaining, content: an idempotency record (TTL)
 */
const SHARDS = 16;

/** FNV-1a: a fast, stable spread of user ids over the shards. */
function shardOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARDS;
}

const tag = (userId: string): string => `{m${shardOf(userId)}}`;
export const accountKey = (userId: string): string => `${tag(userId)}:a:${userId}`;
export const usageStreamOf = (userId: string): string => `${tag(userId)}:usage`;
export const USAGE_STREAMS = Array.from({ length: SHARDS }, (_, shard) => `{m${shard}}:usage`);
/** Events PostgreSQL refused, set aside for a person to look at (never trimmed). */
export const deadLetterStreamOf = (usageStream: string): string => `${usageStream}:dead`;
export const idempotencyKey = (userId: string, key: string): string =>
  `${tag(userId)}:i:${userId}:${createHash('sha1').update(key).digest('hex')}`;

/** First element of SELL's answer. */
export const SOLD = 1;
export const REPLAYED = 2;
export const INSUFFICIENT = 0;
export const MISSING = -1;
export const EXPIRED = -2;
export const KEY_REUSED = -3;

/**
 * KEYS: [1] account, [2] usage stream, [3] idempotency record (only with an Idempotency-Key).
 * ARGV: [1] cost, [2] deadline (Unix ms), [3] sale id, [4] user id, [5] format, [6] meme (JSON),
 *       [7] parameters fingerprint, [8] idempotency TTL (s), [9] '1' if the meme is made after the sale.
 * Answers {SOLD, remaining} | {INSUFFICIENT, remaining} | {MISSING} | {EXPIRED} | {KEY_REUSED}
 *       | {REPLAYED, status, remaining, meme}.
 *
 * The deadline is when the caller stops waiting for the answer: a sale that reaches Redis later
 * (Redis was frozen, the command sat in a socket buffer) would charge for a meme the caller has
 * already been told failed, so it is refused instead. This relies on the app's and Redis' clocks
 * agreeing to well within the command timeout (NTP).
 */
export const SELL_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[2]) then return {-2} end
if KEYS[3] then
  local r = redis.call('HMGET', KEYS[3], 'fp', 'status', 'remaining', 'content')
  if r[1] then
    if r[1] ~= ARGV[7] then return {-3} end
    return {2, tonumber(r[2]), tonumber(r[3]), r[4] or ''}
  end
end
local v = redis.call('HMGET', KEYS[1], 'p', 'u', 'r')
if not v[1] then return {-1} end
local remaining = tonumber(v[1]) + tonumber(v[3] or '0') - tonumber(v[2] or '0')
local cost = tonumber(ARGV[1])
if remaining < cost then
  if KEYS[3] then
    redis.call('HSET', KEYS[3], 'fp', ARGV[7], 'status', 402, 'remaining', remaining)
    redis.call('EXPIRE', KEYS[3], ARGV[8])
  end
  return {0, remaining}
end
redis.call('HINCRBY', KEYS[1], 'u', cost)
redis.call('HINCRBY', KEYS[1], 'n', 1)
local event = {'kind', 'charge', 'id', ARGV[3], 'user', ARGV[4], 'amount', cost, 'format', ARGV[5], 'at', now, 'content', ARGV[6]}
if ARGV[9] == '1' then table.insert(event, 'deferred'); table.insert(event, '1') end
redis.call('XADD', KEYS[2], '*', unpack(event))
if KEYS[3] then
  redis.call('HSET', KEYS[3], 'fp', ARGV[7], 'status', 200, 'remaining', remaining - cost, 'content', ARGV[6])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
end
return {1, remaining - cost}
`;

/**
 * KEYS[1] account; ARGV[1] purchased and ARGV[2] refunded totals from PostgreSQL; ARGV[3] charged
 * and ARGV[4] event count, only for an account Redis does not hold yet (hydration, SET NX
 * semantics). Raising `p` and `r` to the maximum makes concurrent or repeated applications
 * converge on the latest totals. Returns [p, u, r].
 */
export const SYNC_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'p')) then redis.call('HSET', KEYS[1], 'p', ARGV[1]) end
else
  redis.call('HSET', KEYS[1], 'p', ARGV[1], 'u', ARGV[3], 'n', ARGV[4])
end
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', KEYS[1], 'r') or '0') then redis.call('HSET', KEYS[1], 'r', ARGV[2]) end
return redis.call('HMGET', KEYS[1], 'p', 'u', 'r')
`;

/**
 * KEYS[1] account; ARGV[1] the event count Redis had when compared; ARGV[2..5] PostgreSQL's
 * purchased, charged, event count and refunded. Overwrites the account with PostgreSQL's numbers,
 * unless an event happened since the comparison (then the next pass looks again). `p` and `r` only
 * ever rise: a purchase or refund applied since the comparison (they are not events) is kept.
 * Answers 1 if repaired.
 */
export const REPAIR_SCRIPT = `
if (redis.call('HGET', KEYS[1], 'n') or '0') ~= ARGV[1] then return 0 end
local p = math.max(tonumber(redis.call('HGET', KEYS[1], 'p') or '0'), tonumber(ARGV[2]))
local r = math.max(tonumber(redis.call('HGET', KEYS[1], 'r') or '0'), tonumber(ARGV[5]))
redis.call('HSET', KEYS[1], 'p', p, 'u', ARGV[3], 'n', ARGV[4])
if r > 0 then redis.call('HSET', KEYS[1], 'r', r) end
return 1
`;
