/**
 * The Redis side of the ledger. One hash per account, `{u:<id>}` with fields `p` (tokens
 * purchased) and `u` (tokens used): the seed's two counters in the leanest layout (a small
 * listpack hash, measured in README). The hash tag keeps every key of a user in one slot, so the
 * scripts run unchanged on Redis Cluster. Scripts only touch the keys they are given.
 */
export const accountKey = (userId: string): string => `{u:${userId}}`;

/** Results of CHARGE: [status, remaining]. */
export const CHARGED = 1;
export const INSUFFICIENT = 0;
export const MISSING = -1;
export const EXPIRED = -2;

/**
 * KEYS[1] account; ARGV[1] cost; ARGV[2] deadline (Unix ms). Check and charge in one atomic step.
 * The deadline is when the caller stops waiting for the answer: a charge that reaches Redis
 * later (Redis was frozen, the command sat in a socket buffer) would pay for a meme the caller
 * already gave up on, so it is refused instead. This relies on the app's and Redis' clocks
 * agreeing to well within the command timeout (NTP).
 */
export const CHARGE_SCRIPT = `
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[2]) then return {-2, 0} end
local v = redis.call('HMGET', KEYS[1], 'p', 'u')
if not v[1] then return {-1, 0} end
local remaining = tonumber(v[1]) - tonumber(v[2] or '0')
local cost = tonumber(ARGV[1])
if remaining < cost then return {0, remaining} end
redis.call('HINCRBY', KEYS[1], 'u', cost)
return {1, remaining - cost}
`;

/** KEYS[1] account; ARGV[1] cost. Gives a charge back; never below zero used. */
export const REFUND_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], 'u') or '0')
local cost = tonumber(ARGV[1])
if used < cost then return 0 end
redis.call('HINCRBY', KEYS[1], 'u', -cost)
return 1
`;

/**
 * KEYS[1] account; ARGV[1] purchased total from PostgreSQL; ARGV[2] used, only for an account
 * Redis does not hold yet (hydration, SET NX semantics). Raising `p` to the maximum makes
 * concurrent or repeated applications converge on the latest total. Returns [p, u].
 */
export const SYNC_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local p = tonumber(redis.call('HGET', KEYS[1], 'p'))
  if tonumber(ARGV[1]) > p then redis.call('HSET', KEYS[1], 'p', ARGV[1]) end
else
  redis.call('HSET', KEYS[1], 'p', ARGV[1], 'u', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'p', 'u')
`;
