import { createHash } from 'node:crypto';

/**
 * The Redis side of the ledger; the only file that knows its key names.
 *
 * Users are spread over SHARDS hash tags `{m<n>}`. Every key of a user and the usage stream of
 * the user's shard share that tag, so one script can charge the account, append the usage event,
 * keep the sold meme and store the idempotency record atomically, and it runs unchanged on Redis
 * Cluster (one slot per shard). The worker drains SHARDS streams.
 *
 *   {m<n>}:a:<user>            hash  p (tokens purchased), u (tokens charged), n (charges so far),
 *                                    r (tokens refunded; absent while 0): the balance is p + r - u
 *   {m<n>}:usage               stream of usage events, drained into PostgreSQL
 *   {m<n>}:usage:dead          events PostgreSQL refused, set aside
 *   {m<n>}:i:<user>:<sha1 key> hash  fp, status, remaining, content: an idempotency record (TTL)
 *   {m<n>}:s:<user>            hash  the user's memes sold and not yet moved to PostgreSQL:
 *                                    <id> the meme (JSON), <id>:r the balance right after it,
 *                                    <id>:c the charge as "<tokens>,<format>,<sale time>",
 *                                    <id>:d when it was delivered (Unix ms, Redis' clock)
 *   {m<n>}:u:<user>            zset  the same memes while undelivered, scored by sale time (Unix ms)
 *   {m<n>}:x:<sale id>         string a sale that can no longer apply: its outcome was looked up (TTL)
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
export const soldKey = (userId: string): string => `${tag(userId)}:s:${userId}`;
export const undeliveredKey = (userId: string): string => `${tag(userId)}:u:${userId}`;
export const fenceKey = (userId: string, saleId: string): string => `${tag(userId)}:x:${saleId}`;

/** First element of SELL's answer. */
export const SOLD = 1;
export const REPLAYED = 2;
export const INSUFFICIENT = 0;
export const MISSING = -1;
export const EXPIRED = -2;
export const KEY_REUSED = -3;

/**
 * KEYS: [1] account, [2] usage stream, [3] sold memes, [4] undelivered memes, [5] the sale's fence,
 *       [6] idempotency record (only with an Idempotency-Key).
 * ARGV: [1] cost, [2] deadline (Unix ms, Redis' clock), [3] sale id, [4] user id, [5] format,
 *       [6] meme (JSON), [7] parameters fingerprint, [8] idempotency TTL (s), [9] '1' if the meme
 *       is made after the sale.
 * Answers {status, Redis' time (Unix ms), …}: {SOLD, now, remaining} | {INSUFFICIENT, now, remaining}
 *       | {MISSING, now} | {EXPIRED, now} | {KEY_REUSED, now} | {REPLAYED, now, status, remaining, meme}.
 *
 * The deadline is when the caller stops waiting for the answer, on Redis' clock (the app learns
 * the offset of its own from the time in every answer): a sale that reaches Redis later (Redis
 * was frozen, the command sat in a socket buffer) is refused. So is a sale whose outcome has been
 * looked up already (RESOLVE_SCRIPT fenced it). A sale id already sold (the client sent the
 * command again after a reconnect) answers its first outcome. Besides the usage event, the meme
 * is kept under its owner until the worker has moved it to PostgreSQL, so it can be read back at
 * once.
 */
export const SELL_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local again = redis.call('HGET', KEYS[3], ARGV[3] .. ':r')
if again then return {1, now, tonumber(again)} end
if now > tonumber(ARGV[2]) or redis.call('EXISTS', KEYS[5]) == 1 then return {-2, now} end
if KEYS[6] then
  local r = redis.call('HMGET', KEYS[6], 'fp', 'status', 'remaining', 'content')
  if r[1] then
    if r[1] ~= ARGV[7] then return {-3, now} end
    return {2, now, tonumber(r[2]), tonumber(r[3]), r[4] or ''}
  end
end
local v = redis.call('HMGET', KEYS[1], 'p', 'u', 'r')
if not v[1] then return {-1, now} end
local remaining = tonumber(v[1]) + tonumber(v[3] or '0') - tonumber(v[2] or '0')
local cost = tonumber(ARGV[1])
if remaining < cost then
  if KEYS[6] then
    redis.call('HSET', KEYS[6], 'fp', ARGV[7], 'status', 402, 'remaining', remaining)
    redis.call('EXPIRE', KEYS[6], ARGV[8])
  end
  return {0, now, remaining}
end
redis.call('HINCRBY', KEYS[1], 'u', cost)
redis.call('HINCRBY', KEYS[1], 'n', 1)
local event = {'kind', 'charge', 'id', ARGV[3], 'user', ARGV[4], 'amount', cost, 'format', ARGV[5], 'at', now, 'content', ARGV[6]}
if ARGV[9] == '1' then table.insert(event, 'deferred'); table.insert(event, '1') end
redis.call('XADD', KEYS[2], '*', unpack(event))
redis.call('HSET', KEYS[3], ARGV[3], ARGV[6], ARGV[3] .. ':r', remaining - cost, ARGV[3] .. ':c', cost .. ',' .. ARGV[5] .. ',' .. now)
redis.call('ZADD', KEYS[4], now, ARGV[3])
if KEYS[6] then
  redis.call('HSET', KEYS[6], 'fp', ARGV[7], 'status', 200, 'remaining', remaining - cost, 'content', ARGV[6])
  redis.call('EXPIRE', KEYS[6], ARGV[8])
end
return {1, now, remaining - cost}
`;

/**
 * The outcome of a sale whose answer was lost (it timed out). KEYS: [1] sold memes, [2] the
 * sale's fence; ARGV: [1] sale id, [2] fence TTL (ms). Answers {1, meme, remaining} if the sale
 * applied and is still in Redis; otherwise {0}, having fenced the sale so that it can never apply
 * later: then it never applied, or the worker has moved it to PostgreSQL already. Redis runs one
 * script at a time, so the answer is final the moment this runs, whatever the clocks say.
 */
export const RESOLVE_SCRIPT = `
local meme = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[1] .. ':r')
if meme[1] then return {1, meme[1], tonumber(meme[2])} end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return {0}
`;

/**
 * The user's undelivered memes still in Redis, newest first, strictly below a position.
 * KEYS: [1] undelivered memes, [2] sold memes; ARGV: [1] highest sale time (Unix ms, or '+inf'),
 * [2] at exactly that time, only ids below this one ('' for all), [3] how many.
 * Answers a flat list of id, sale time, meme.
 */
export const UNDELIVERED_SCRIPT = `
local out, found, offset = {}, 0, 0
local limit = tonumber(ARGV[3])
while found < limit do
  local page = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', offset, limit)
  if #page == 0 then break end
  offset = offset + #page / 2
  for i = 1, #page, 2 do
    local id, at = page[i], page[i + 1]
    if found < limit and not (ARGV[2] ~= '' and at == ARGV[1] and id >= ARGV[2]) then
      found = found + 1
      table.insert(out, id); table.insert(out, at); table.insert(out, redis.call('HGET', KEYS[2], id) or '')
    end
  end
end
return out
`;

/**
 * Delivery marks of one shard. KEYS: [1] the shard's usage stream, then per mark its owner's sold
 * memes and undelivered memes; ARGV: per mark the sale id and its owner. A meme still in Redis
 * gets its first mark there at once (and leaves the undelivered list); every mark also goes to
 * PostgreSQL through the stream. The time is Redis' own, as the sale's is.
 */
export const MARK_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids, users = {}, {}
for i = 1, #ARGV / 2 do
  local id, sold = ARGV[2 * i - 1], KEYS[2 * i]
  if redis.call('HEXISTS', sold, id) == 1 and redis.call('HSETNX', sold, id .. ':d', now) == 1 then
    redis.call('ZREM', KEYS[2 * i + 1], id)
  end
  ids[i] = id; users[i] = ARGV[2 * i]
end
redis.call('XADD', KEYS[1], '*', 'kind', 'delivered', 'ids', table.concat(ids, ','), 'users', table.concat(users, ','), 'at', now)
return #ids
`;

/**
 * Forgets in Redis the sales PostgreSQL now holds. KEYS: per sale its owner's sold and
 * undelivered memes; ARGV: per sale its id and '1' if PostgreSQL holds its delivery mark too, else
 * ''. A sale without that is kept while Redis holds a mark for it: the mark is on its way through
 * the stream, and the sale is forgotten once it has arrived, so a reader never sees a delivered
 * meme lose its mark. Answers how many were forgotten.
 */
export const FORGET_SCRIPT = `
local forgotten = 0
for i = 1, #ARGV / 2 do
  local sold, undelivered, id = KEYS[2 * i - 1], KEYS[2 * i], ARGV[2 * i - 1]
  if ARGV[2 * i] == '1' or redis.call('HEXISTS', sold, id .. ':d') == 0 then
    forgotten = forgotten + redis.call('HDEL', sold, id, id .. ':r', id .. ':c', id .. ':d')
    redis.call('ZREM', undelivered, id)
  end
end
return forgotten
`;

/**
 * KEYS[1] a usage stream; ARGV[1] the consumer group to create on it (and the stream, if missing).
 * A script because the client's key prefix applies to a script's keys, and ioredis leaves XGROUP's
 * key unprefixed. Fails with BUSYGROUP when the group exists.
 */
export const CREATE_GROUP_SCRIPT = `
return redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
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
