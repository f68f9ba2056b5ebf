"""The Lua scripts behind the Redis-shared limits: each acquire, release or budget decision is one EVALSHA.

Every script reads the time from Redis (`TIME`), so processes on machines with skewed clocks agree on
lease expiries and on the hourly window. Scripts write only keys derived from the ones they are given,
plus one process's wake-up list (named after the token's process id); that is fine on a single Redis
or a Sentinel-managed primary, not on Redis Cluster.

Slots (one endpoint of one tenant + integration code): `holders` is a sorted set token → lease expiry
(ms), `queue` a sorted set token → arrival number (from `seq`), `qexp` a sorted set token → the waiter's
own expiry (a waiter that died stops refreshing it and is dropped). Freed slots are handed to the head of
the queue at once and the new holder's process is told through `RPUSH wake:<process>`; that process
listens with `BLPOP`, so nobody polls. A slot freed by an expiring lease (a process killed with -9) is
handed over by the next script that runs on that endpoint (waiters re-run `acquire` every second as the
timeout fallback).
"""

from __future__ import annotations

__all__ = ["ACQUIRE", "BUDGET", "RELEASE", "RENEW"]

_COMMON = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drop expired leases and dead waiters, then hand free slots to the queue's head (skipping `own`).
local function settle(holders, queue, qexp, limit, lease_ms, now, wake_prefix, own)
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  local dead = redis.call('ZRANGEBYSCORE', qexp, '-inf', now)
  for _, token in ipairs(dead) do
    redis.call('ZREM', queue, token)
    redis.call('ZREM', qexp, token)
  end
  while redis.call('ZCARD', holders) < limit do
    local head = redis.call('ZPOPMIN', queue)
    if #head == 0 then break end
    local token = head[1]
    redis.call('ZREM', qexp, token)
    redis.call('ZADD', holders, now + lease_ms, token)
    if token ~= own then
      local wake = wake_prefix .. string.match(token, '^([^|]+)')
      redis.call('RPUSH', wake, token)
      redis.call('PEXPIRE', wake, lease_ms)
    end
  end
end
local function keep(keys, ttl)
  for _, key in ipairs(keys) do redis.call('PEXPIRE', key, ttl) end
end
"""

#: KEYS holders, queue, qexp, seq; ARGV token, limit, lease_ms, waiter_ttl_ms, wake_prefix → 1 granted, 0 queued.
ACQUIRE = _COMMON + """
local holders, queue, qexp, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, limit = ARGV[1], tonumber(ARGV[2])
local lease_ms, waiter_ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
settle(holders, queue, qexp, limit, lease_ms, now, ARGV[5], token)
local granted = 0
if redis.call('ZSCORE', holders, token) then
  granted = 1
elseif redis.call('ZSCORE', queue, token) then
  redis.call('ZADD', qexp, now + waiter_ttl, token)
elseif redis.call('ZCARD', holders) < limit then
  -- settle() emptied the queue if a slot was free, so nobody is passed over
  redis.call('ZADD', holders, now + lease_ms, token)
  granted = 1
else
  redis.call('ZADD', queue, redis.call('INCR', seq), token)
  redis.call('ZADD', qexp, now + waiter_ttl, token)
end
keep(KEYS, 4 * math.max(lease_ms, waiter_ttl))
return granted
"""

#: KEYS holders, queue, qexp; ARGV token, limit, lease_ms, wake_prefix → 1 if the token held a slot.
RELEASE = _COMMON + """
local holders, queue, qexp = KEYS[1], KEYS[2], KEYS[3]
local held = redis.call('ZREM', holders, ARGV[1])
redis.call('ZREM', queue, ARGV[1])
redis.call('ZREM', qexp, ARGV[1])
settle(holders, queue, qexp, tonumber(ARGV[2]), tonumber(ARGV[3]), now_ms(), ARGV[4], '')
return held
"""

#: KEYS holders₁, holders₂, … ; ARGV lease_ms, token₁, token₂, … (token i in holders i) → leases renewed.
#: A token missing from its set (its lease ran out while its process stalled, or Redis restarted) is not
#: re-added: its slot may have been handed to someone else already.
RENEW = _COMMON + """
local lease_ms = tonumber(ARGV[1])
local now = now_ms()
local renewed = 0
for i, holders in ipairs(KEYS) do
  local token = ARGV[i + 1]
  if redis.call('ZADD', holders, 'XX', 'CH', now + lease_ms, token) == 1 then
    renewed = renewed + 1
  end
end
return renewed
"""

#: The hourly budget of one tenant + integration code, shared by every process (see `shared_budget.py`).
#: KEYS state (hash), ours (sorted set: one member per request, scored by its time in seconds).
#: ARGV op, then the op's arguments; every op answers a flat list (numbers as strings: Lua numbers
#: would be truncated to integers on the way out).
BUDGET = _COMMON + """
local state, ours_key = KEYS[1], KEYS[2]
local op = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local function num(field, default)
  local v = redis.call('HGET', state, field)
  if v then return tonumber(v) end
  return default
end
local function n(x) return string.format('%.6f', x) end
local threshold = num('threshold', tonumber(ARGV[2]))
local window = num('window', tonumber(ARGV[3]))
redis.call('ZREMRANGEBYSCORE', ours_key, '-inf', now - window)
local ours = redis.call('ZCARD', ours_key)
local total = num('total', 0)
local observed_at = num('observed_at', nil)
local function fresh() return observed_at ~= nil and now - observed_at < window end
local function tenant_estimate()
  if not fresh() then return ours end
  return math.max(ours, num('observed_count', 0) + total - num('total_at_observe', 0))
end
local function record(count)
  for i = 1, count do
    total = total + 1
    redis.call('ZADD', ours_key, now, tostring(total))
  end
  ours = ours + count
  redis.call('HSET', state, 'total', total)
end
local function score_at(index)
  local item = redis.call('ZRANGE', ours_key, index, index, 'WITHSCORES')
  return tonumber(item[2])
end
local function keep_all()
  redis.call('PEXPIRE', state, math.floor(2 * window * 1000))
  redis.call('PEXPIRE', ours_key, math.floor(2 * window * 1000))
end

if op == 'record' then
  record(tonumber(ARGV[4]))
  keep_all()
  return {n(ours)}
elseif op == 'observe' then
  redis.call('HSET', state, 'threshold', ARGV[4], 'window', ARGV[5], 'observed_count', ARGV[6],
             'observed_at', n(now), 'total_at_observe', total, 'forced', 0)
  redis.call('HDEL', state, 'claimed_at')
  keep_all()
  return {n(now)}
elseif op == 'limited' then
  redis.call('HSET', state, 'forced', 1)
  redis.call('HDEL', state, 'claimed_at')
  if ARGV[4] == '1' then
    redis.call('HSET', state, 'threshold', threshold, 'window', window, 'observed_count', threshold,
               'observed_at', n(now), 'total_at_observe', total)
  end
  keep_all()
  return {'1'}
elseif op == 'failed' then
  redis.call('HDEL', state, 'claimed_at')
  return {'1'}
end

-- 'take' and 'usage': ARGV share, soft_mark, stop_mark, wait, commit, refresh_every, refresh_interval,
-- first_after, hot_every, claim_timeout, recheck, pacing_target, age_out_margin (ARGV[4..16])
local share, soft, stop_mark = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cap = math.max(1, math.floor(share * threshold))
local stop = math.max(1, math.floor(stop_mark * threshold))
local tenant = tenant_estimate()

local function next_go(anchor)
  local go_at = anchor
  if tenant >= soft * threshold then
    local k = math.max(0, stop / (tonumber(ARGV[15]) * threshold) - 1)
    go_at = math.max(go_at, anchor + k * window / math.max(1, stop - tenant))
  end
  if ours > 0 and ours >= soft * cap then
    local frees_at = score_at(0) + window + tonumber(ARGV[16])
    local spacing = math.max(math.max(0, frees_at - anchor) / math.max(1, cap - ours), window / cap)
    go_at = math.max(go_at, anchor + spacing)
  end
  return go_at
end

if op == 'usage' then
  return {n(ours), n(total), n(cap), n(tenant), n(num('observed_count', -1)),
          n(observed_at and (now - observed_at) or -1), n(threshold), n(window),
          n(math.max(0, next_go(now) - now))}
end

-- op == 'take': claim a due ThresholdInformation read, then decide (and, with commit, count the request)
local claimed = 0
local claimed_at = num('claimed_at', nil)
if claimed_at == nil or now - claimed_at >= tonumber(ARGV[13]) then
  local due
  local since = total - num('total_at_observe', 0)
  if num('forced', 0) == 1 then
    due = true
  elseif observed_at == nil then
    due = total >= tonumber(ARGV[11])
  else
    local every = tonumber(ARGV[9])
    if tenant >= soft * threshold then every = math.min(tonumber(ARGV[12]), every) end
    due = since >= every or (since > 0 and now - observed_at >= tonumber(ARGV[10]))
  end
  if due and fresh() and tenant == threshold - 1 then due = false end
  if due then
    redis.call('HSET', state, 'claimed_at', n(now))
    claimed = 1
  end
end

local delay, ours_frees, tenant_blocked = 0, -1, 0
if ours + 1 > cap then
  ours_frees = math.max(0, score_at(ours - cap) + window + tonumber(ARGV[16]) - now)
  delay = ours_frees
end
if tenant + 1 > stop then
  redis.call('HSET', state, 'forced', 1)
  tenant_blocked = 1
  delay = math.max(delay, tonumber(ARGV[14]))
end
local status = 0
if ours_frees >= 0 or tenant_blocked == 1 then
  status = 2
else
  local last_go = num('last_go', nil)
  if last_go ~= nil then
    local wait_for = next_go(last_go) - now
    if wait_for > 1e-6 then
      status = 1
      delay = wait_for
    end
  end
  if status == 0 then
    redis.call('HSET', state, 'last_go', n(now))
    if ARGV[8] == '1' then record(1) end
  end
end
keep_all()
return {tostring(status), n(delay), tostring(claimed), n(ours), n(cap), n(tenant), n(threshold), n(window),
        n(ours_frees)}
"""
