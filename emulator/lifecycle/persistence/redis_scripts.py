"""The Lua half of the shared state: what Redis runs atomically on the emulators' behalf.

Redis runs a script whole, with nothing of any other client in between, so each of these is one
atomic step however many keys it touches:

- ``PREFETCH``: what a request reads first, in one round trip: the namespace's settings and
  clock, Redis's own time, the job its path names, and, for a create, the next draw of its
  random stream.
- ``COMMIT``: a transaction's end: check that every value it read is unchanged, then apply all
  of its writes, or none (``redis_tx``); when a check fails, what ``PREFETCH`` would read for
  the rerun, so the rerun needs no round trip of its own.
- ``TAKE``: lease a namespace's next due webhook delivery to one worker (``redis_outbox``).
- ``COMPACT``: drop deleted ids from a namespace's creation orders, into fresh lists.
- ``SWEEP``: evict namespaces idle past the TTL, past the cap or past the memory budget, and
  record why; ``WEIGH``: what every namespace holds, in all (for ``health``).
- ``ACTIVE``: the namespaces with webhook deliveries pending or jobs watched (forgetting those
  with neither), for the webhook schedulers.

A namespace's keys share one prefix (``{prefix}ns:{length}:{name}:``); ``KEY_SUFFIXES`` names the
fixed ones, and its creation orders are ``order:{epoch}`` and ``part:{epoch}:{length}:{name}``
(a compaction starts a new epoch, so a listing walking the old lists is undisturbed).
"""

from __future__ import annotations

__all__ = ["ACTIVE", "COMMIT", "COMPACT", "KEY_SUFFIXES", "PREFETCH", "SWEEP", "TAKE", "WEIGH"]

KEY_SUFFIXES = (
    "meta",
    "jobs",
    "live",
    "parts",
    "gone",
    "journal",
    "kept",
    "read",
    "counters",
    "subs",
    "jobsubs",
    "pending",
    "pmsg",
    "lease",
    "watch",
    "seen",
    "log",
    "received",
    "statuses",
)

_SUFFIX_TABLE = "{" + ", ".join(f"'{suffix}'" for suffix in KEY_SUFFIXES) + "}"

# Shared by the scripts that delete or expire a namespace: every key it has.
_KEYS_OF = f"""
local SUFFIXES = {_SUFFIX_TABLE}
local function part_key(base, epoch, part)
  return base .. 'part:' .. epoch .. ':' .. #part .. ':' .. part
end
local function keys_of(base)
  local epoch = redis.call('HGET', base .. 'meta', 'epoch') or '0'
  local out = {{}}
  for _, suffix in ipairs(SUFFIXES) do out[#out + 1] = base .. suffix end
  out[#out + 1] = base .. 'order:' .. epoch
  for _, part in ipairs(redis.call('SMEMBERS', base .. 'parts')) do
    out[#out + 1] = part_key(base, epoch, part)
    out[#out + 1] = base .. 'gone:' .. #part .. ':' .. part
  end
  return out
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
"""

# What a request reads first; also what a commit that failed its checks reads for the rerun.
_PREFETCH_FUNCTION = """
local function prefetch(base, job_id, draw, hooks)
  local meta = base .. 'meta'
  local t = redis.call('TIME')
  local out = {redis.call('HGETALL', meta), t[1], t[2], false, false, false, {}}
  if job_id ~= '' then
    local job = redis.call('HMGET', base .. 'jobs', job_id, '\0' .. job_id)
    out[4], out[5] = job[1], job[2]
  end
  if draw == '1' and redis.call('HEXISTS', meta, 'gen') == 1 then
    out[6] = redis.call('HINCRBY', meta, 'draws', 1)
  end
  if hooks == '1' then out[7] = redis.call('HGETALL', base .. 'subs') end
  return out
end
"""

PREFETCH = _PREFETCH_FUNCTION + "return prefetch(ARGV[1], ARGV[2], ARGV[3], ARGV[4])\n"

COMMIT = (
    _KEYS_OF
    + _PREFETCH_FUNCTION
    + """
-- ARGV: the mark of an absent value; the namespace, job and webhooks flag to read again when a
-- check fails (no namespace: nothing to read); how many groups of checks; the groups, each its
-- kind ('h' hash fields, 'z' sorted set members), its key, how many pairs and the pairs (a
-- field and the value it must hold; a member and '1'); the operations.
local absent = ARGV[1]
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  local kind, key, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  i = i + 3
  local got = {}
  if kind == 'h' then  -- read a slice at a time: unpack takes a few thousand values at most
    for first = 1, count, 1000 do
      local last = math.min(count, first + 999)
      local fields = {}
      for k = first, last do fields[#fields + 1] = ARGV[i + 2 * k - 2] end
      local values = redis.call('HMGET', key, unpack(fields))
      for k = first, last do got[k] = values[k - first + 1] end
    end
  end
  for k = 1, count do
    local field, want = ARGV[i], ARGV[i + 1]
    local value
    if kind == 'z' then  -- a member of a sorted set, whatever its score
      value = redis.call('ZSCORE', key, field) and '1'
    else
      value = got[k]
    end
    if value == false then value = absent end
    if value ~= want then
      if ARGV[2] == '' then return {0, key, field} end
      return {0, key, field, prefetch(ARGV[2], ARGV[3], '0', ARGV[4])}
    end
    i = i + 2
  end
end

local function journal(entries, meta, kept, read, body, flag, limit, max_bytes)
  local seq = redis.call('HINCRBY', meta, 'jseq', 1)
  local item = seq .. '|' .. flag .. '|' .. body
  local count = redis.call('RPUSH', entries, item)
  local bytes = redis.call('HINCRBY', meta, 'jbytes', #item)
  while count > 0 and (count > limit or bytes > max_bytes) do
    local old = redis.call('LPOP', entries)
    count = count - 1
    bytes = redis.call('HINCRBY', meta, 'jbytes', -#old)
    redis.call('HINCRBY', meta, 'jdropped', 1)
    local old_seq, old_flag = string.match(old, '^(%d+)|(.)|')
    if old_flag == 'v' and redis.call('SISMEMBER', read, old_seq) == 0 then
      -- violations nobody read yet: kept apart until read (or the kept ones overflow)
      redis.call('RPUSH', kept, old)
      local kept_bytes = redis.call('HINCRBY', meta, 'kbytes', #old)
      while kept_bytes > max_bytes and redis.call('LLEN', kept) > 1 do
        local first = redis.call('LPOP', kept)
        kept_bytes = redis.call('HINCRBY', meta, 'kbytes', -#first)
        redis.call('HINCRBY', meta, 'jdroppedv', 1)
      end
    end
    redis.call('SREM', read, old_seq)
  end
end

local function seen(kept, meta, read, seq)
  for _, item in ipairs(redis.call('LRANGE', kept, 0, -1)) do
    if string.match(item, '^(%d+)|') == seq then
      redis.call('LREM', kept, 1, item)
      redis.call('HINCRBY', meta, 'kbytes', -#item)
      return
    end
  end
  redis.call('SADD', read, seq)
end

local function touch(names, name, base, ttl, written)
  local now = now_ms()
  redis.call('ZADD', names, now, name)
  if ttl <= 0 then return end
  -- Redis's own expiry is the backstop when no emulator is left to sweep: every key written
  -- now, and all of them every quarter of the TTL.
  local keep = ttl + math.floor(ttl / 4) + 1000
  for _, key in ipairs(written) do redis.call('PEXPIRE', key, keep) end
  local meta = base .. 'meta'
  local last = tonumber(redis.call('HGET', meta, 'expiry') or '0')
  if now - last > ttl / 4 then
    redis.call('HSET', meta, 'expiry', now)
    for _, key in ipairs(keys_of(base)) do redis.call('PEXPIRE', key, keep) end
  end
end

-- Operations that are one Redis command each: its name and how many arguments it takes.
local PLAIN = {hset = {'HSET', 3}, hdel = {'HDEL', 2}, hincr = {'HINCRBY', 3},
  set = {'SET', 2}, del = {'DEL', 1}, zadd = {'ZADD', 3}, zrem = {'ZREM', 2},
  sadd = {'SADD', 2}, srem = {'SREM', 2}}
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  local plain = PLAIN[op]
  if plain then
    redis.call(plain[1], unpack(ARGV, i + 1, i + plain[2]))
    i = i + 1 + plain[2]
  elseif op == 'rpush' then
    local length = redis.call('RPUSH', ARGV[i + 1], ARGV[i + 2])
    local cap = tonumber(ARGV[i + 3])
    if cap > 0 and length > cap then redis.call('LTRIM', ARGV[i + 1], -cap, -1) end
    i = i + 4
  elseif op == 'wipe' then
    for _, key in ipairs(keys_of(ARGV[i + 1])) do redis.call('DEL', key) end
    i = i + 2
  elseif op == 'journal' then
    journal(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6],
      tonumber(ARGV[i + 7]), tonumber(ARGV[i + 8]))
    i = i + 9
  elseif op == 'seen' then
    seen(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
    i = i + 5
  elseif op == 'touch' then
    local count = tonumber(ARGV[i + 5])
    local written = {}
    for k = 1, count do written[k] = ARGV[i + 5 + k] end
    touch(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), written)
    i = i + 6 + count
  else
    return redis.error_reply('jobs-emulator: unknown operation ' .. tostring(op))
  end
end
return 1
"""
)

# ARGV: the namespace's key prefix, the worker's name, the lease in ms, the namespace's clock
# now. Leases the first delivery due, unless another worker's lease on it still holds: one
# worker at a time sends a namespace's deliveries, in the order they are due, as one process
# does. Returns {member, record, lease}, or nothing.
TAKE = (
    _KEYS_OF
    + """
local base, worker, lease_ms, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local pending, leases, records = base .. 'pending', base .. 'lease', base .. 'pmsg'
local wall = now_ms()
while true do
  local first = redis.call('ZRANGEBYSCORE', pending, '-inf', now, 'LIMIT', 0, 1)[1]
  if first == nil then return {} end
  local record = redis.call('HGET', records, first)
  if record then
    local holder = redis.call('HGET', leases, first)
    if holder then
      local until_ms = tonumber(string.match(holder, '|(%d+)$'))
      if until_ms ~= nil and until_ms > wall then return {} end
    end
    local lease = worker .. '|' .. (wall + lease_ms)
    redis.call('HSET', leases, first, lease)
    return {first, record, lease}
  end
  redis.call('ZREM', pending, first)  -- its record is gone: nothing to send
end
"""
)

# ARGV: the namespace's key prefix, how many dropped ids to remember per order.
COMPACT = (
    _KEYS_OF
    + """
local base, gone_kept = ARGV[1], tonumber(ARGV[2])
local meta, jobs = base .. 'meta', base .. 'jobs'
local dead = tonumber(redis.call('HGET', meta, 'dead') or '0')
local count = tonumber(redis.call('HGET', meta, 'count') or '0')
if dead <= 64 or dead <= count then return 0 end
local epoch = tonumber(redis.call('HGET', meta, 'epoch') or '0')

local function compact(old, new, gone)
  local ids = redis.call('LRANGE', old, 0, -1)
  local before = {[0] = 0}
  local kept = 0
  local alive = {}
  for index, id in ipairs(ids) do
    alive[index] = redis.call('HEXISTS', jobs, id) == 1
    if alive[index] then
      kept = kept + 1
      redis.call('RPUSH', new, id)
    end
    before[index] = kept
  end
  local earlier = redis.call('HGETALL', gone)
  for k = 1, #earlier, 2 do
    local rank = math.min(tonumber(earlier[k + 1]), #ids)
    redis.call('HSET', gone, earlier[k], before[rank])
  end
  for index, id in ipairs(ids) do
    if not alive[index] then redis.call('HSET', gone, id, before[index - 1]) end
  end
  local extra = redis.call('HLEN', gone) - gone_kept
  if extra > 0 then
    for _, id in ipairs(redis.call('HRANDFIELD', gone, extra)) do redis.call('HDEL', gone, id) end
  end
  -- a listing still walking the old list finishes on it
  redis.call('PEXPIRE', old, 60000)
end

compact(base .. 'order:' .. epoch, base .. 'order:' .. (epoch + 1), base .. 'gone')
for _, part in ipairs(redis.call('SMEMBERS', base .. 'parts')) do
  compact(part_key(base, epoch, part), part_key(base, epoch + 1, part),
    base .. 'gone:' .. #part .. ':' .. part)
end
redis.call('HSET', meta, 'epoch', epoch + 1, 'dead', 0)
return 1
"""
)

# ARGV: the deployment's prefix, the TTL in ms (0: none), the cap (0: none), the budget in
# bytes (0: none), what an empty namespace weighs, the namespace used last by the caller (kept).
# Returns how many namespaces went.
SWEEP = (
    _KEYS_OF
    + """
local prefix, ttl, cap, budget, empty, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local names = prefix .. 'namespaces'
local now = now_ms()
local gone = 0

local function base_of(name) return prefix .. 'ns:' .. #name .. ':' .. name .. ':' end
local function weight(base)
  local m = redis.call('HMGET', base .. 'meta', 'bytes', 'jbytes', 'kbytes')
  return empty + tonumber(m[1] or '0') + tonumber(m[2] or '0') + tonumber(m[3] or '0')
end

local function evict(name, reason, last)
  local base = base_of(name)
  local meta = base .. 'meta'
  local record = cjson.encode({
    namespace = name, reason = reason, at = now / 1000, idle = (now - last) / 1000,
    bytes = weight(base), jobs = tonumber(redis.call('HGET', meta, 'count') or '0'),
    exchanges = redis.call('LLEN', base .. 'journal') + redis.call('LLEN', base .. 'kept')})
  for _, key in ipairs(keys_of(base)) do redis.call('DEL', key) end
  redis.call('ZREM', names, name)
  redis.call('SREM', prefix .. 'hooks', name)
  redis.call('RPUSH', prefix .. 'evictions', record)
  redis.call('LTRIM', prefix .. 'evictions', -1000, -1)
  redis.call('HINCRBY', prefix .. 'evicted', reason, 1)
  gone = gone + 1
end

-- Gone from Redis by its own expiry (no emulator swept it in time): counted as a TTL eviction.
-- The oldest first, a bounded number per sweep.
local oldest = redis.call('ZRANGE', names, 0, 99, 'WITHSCORES')
for k = 1, #oldest, 2 do
  if redis.call('EXISTS', base_of(oldest[k]) .. 'meta') == 0 then
    evict(oldest[k], 'ttl', tonumber(oldest[k + 1]))
  end
end
if ttl > 0 then
  local stale = redis.call(
    'ZRANGEBYSCORE', names, '-inf', now - ttl, 'WITHSCORES', 'LIMIT', 0, 1000)
  for k = 1, #stale, 2 do
    if stale[k] ~= 'default' then evict(stale[k], 'ttl', tonumber(stale[k + 1])) end
  end
end
if cap > 0 then
  while redis.call('ZCARD', names) > cap do
    local first = nil
    local candidates = redis.call('ZRANGE', names, 0, 2, 'WITHSCORES')
    for k = 1, #candidates, 2 do
      if first == nil and candidates[k] ~= 'default' and candidates[k] ~= keep then
        first = {candidates[k], tonumber(candidates[k + 1])}
      end
    end
    if first == nil then break end
    evict(first[1], 'cap', first[2])
  end
end
if budget > 0 then
  local all = redis.call('ZRANGE', names, 0, -1, 'WITHSCORES')
  local total = 0
  for k = 1, #all, 2 do total = total + weight(base_of(all[k])) end
  -- idle longest first; the namespace in use stays, and so does the last one left
  local left = #all / 2
  local k = 1
  while total > budget and left > 1 and k < #all do
    if all[k] ~= keep then
      local size = weight(base_of(all[k]))
      evict(all[k], 'memory', tonumber(all[k + 1]))
      total = total - size
      left = left - 1
    end
    k = k + 2
  end
end
return gone
"""
)

_WEIGHT = """
local function base_of(prefix, name) return prefix .. 'ns:' .. #name .. ':' .. name .. ':' end
local function weight(base, empty)
  local m = redis.call('HMGET', base .. 'meta', 'bytes', 'jbytes', 'kbytes')
  return empty + tonumber(m[1] or '0') + tonumber(m[2] or '0') + tonumber(m[3] or '0')
end
"""

# ARGV: the deployment's prefix, what an empty namespace weighs. Returns the bytes of all.
WEIGH = (
    _WEIGHT
    + """
local total = 0
for _, name in ipairs(redis.call('ZRANGE', ARGV[1] .. 'namespaces', 0, -1)) do
  total = total + weight(base_of(ARGV[1], name), tonumber(ARGV[2]))
end
return total
"""
)

# ARGV: the deployment's prefix. Returns the names of the namespaces with a delivery pending or
# a job watched; a namespace with neither leaves the set (a commit that queues one puts it back).
ACTIVE = """
local prefix = ARGV[1]
local hooks = prefix .. 'hooks'
local out = {}
for _, name in ipairs(redis.call('SMEMBERS', hooks)) do
  local base = prefix .. 'ns:' .. #name .. ':' .. name .. ':'
  if redis.call('ZCARD', base .. 'pending') + redis.call('ZCARD', base .. 'watch') > 0 then
    out[#out + 1] = name
  else
    redis.call('SREM', hooks, name)
  end
end
return out
"""
