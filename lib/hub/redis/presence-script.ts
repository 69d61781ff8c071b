/**
 * Presence in Redis is one server-side script, so each change is atomic and one round trip.
 * A call carries one instance's changes to one topic (joins and leaves of its clients, in
 * order), renews that instance's lease on the topic, and may first sweep the instances whose
 * lease ran out: their clients leave as if each had closed. The same script answers a read.
 *
 * Leases, not per-client timers: an instance renews one sorted-set entry per topic it has
 * clients or watchers in, whatever their number, so the steady cost is per (instance,
 * topic). Time is Redis's clock (`TIME`), the one clock every instance shares.
 *
 * A join or leave of a user's first or last client is announced on the topic's channel, the
 * one its events use, so every instance following the topic hears it without another
 * subscription.
 */
import type { PresenceChange, PresencePage, PresentUser } from '../presence/presence.js'
import type { PresenceKeys } from './keys.js'

/** The name the script is registered under on the query connection. */
export const PRESENCE_COMMAND = 'fastifyStreamPresence'

/** How a presence announcement begins; a publish notification begins with an epoch, never `!`. */
export const PRESENCE_MARK = '!presence\n'

// KEYS: instances, this instance's clients, users, order, channel, runs.
// ARGV: [1] instance id, [2] clients prefix, [3] lease ms, [4] key TTL ms, [5] PUBLISH or
// SPUBLISH, [6] '1' when the caller may sweep, [7] '1' when it keeps its lease even without
// clients here (it has watchers of the topic), [8] 's' (sync) or 'r' (read), [9] a read's
// cursor (the last join-order place it listed, 0 for the first page), [10] its limit, then
// the changes, four arguments each: 'j' client user info, 'l' client '' '', or 'c' '' '' ''
// (this instance's clients all leave).
// Reply: { this instance's clients here } and, for a read, { clients, users, more (0/1),
// then user, place, entry for each listed user }.
//
// Who may sweep: a caller that has run without a break for a renewal interval. It renews
// every third of a lease, so a call that comes more than half a lease after its previous
// one (the lease minus a lease) starts a new run: Redis stalled or was away, or the caller
// was. After such a break every lease may have run out, and each instance's calls that
// waited run one after another; by the time the first caller may sweep again, every live
// instance's waiting calls have run and renewed its lease.
export const PRESENCE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local leaseMs = tonumber(ARGV[3])
local function announce (kind, user, info)
  redis.call(ARGV[5], KEYS[5], '${PRESENCE_MARK.replace('\n', '\\n')}' .. kind .. '\\n' .. user .. '\\n' .. info)
end
local function split (entry)
  local cut = string.find(entry, '\\n', 1, true)
  return tonumber(string.sub(entry, 1, cut - 1)), string.sub(entry, cut + 1)
end
local function leave (user)
  local entry = redis.call('HGET', KEYS[3], user)
  if not entry then return end
  local clients, info = split(entry)
  if clients > 1 then
    redis.call('HSET', KEYS[3], user, (clients - 1) .. '\\n' .. info)
    return
  end
  redis.call('HDEL', KEYS[3], user)
  redis.call('ZREM', KEYS[4], user)
  announce('leave', user, info)
end
local function join (client, user, info)
  if redis.call('HSETNX', KEYS[2], client, user) == 0 then return end
  local entry = redis.call('HGET', KEYS[3], user)
  if entry then
    local clients = split(entry)
    redis.call('HSET', KEYS[3], user, (clients + 1) .. '\\n' .. info)
    return
  end
  local last = redis.call('ZRANGE', KEYS[4], -1, -1, 'WITHSCORES')[2]
  redis.call('ZADD', KEYS[4], (tonumber(last) or 0) + 1, user)
  redis.call('HSET', KEYS[3], user, '1\\n' .. info)
  announce('join', user, info)
end
local lease = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
local ran = tonumber(redis.call('HGET', KEYS[6], ARGV[1]))
local since = ran
if not lease or not since or now - (lease - leaseMs) > leaseMs / 2 then since = now end
if ARGV[6] == '1' and now - since >= leaseMs / 3 then
  for _, instance in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    local key = ARGV[2] .. instance
    for _, user in ipairs(redis.call('HVALS', key)) do leave(user) end
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], instance)
    redis.call('HDEL', KEYS[6], instance)
  end
end
for i = 11, #ARGV, 4 do
  if ARGV[i] == 'j' then
    join(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  elseif ARGV[i] == 'c' then
    for _, user in ipairs(redis.call('HVALS', KEYS[2])) do leave(user) end
    redis.call('DEL', KEYS[2])
  else
    local user = redis.call('HGET', KEYS[2], ARGV[i + 1])
    if user then
      redis.call('HDEL', KEYS[2], ARGV[i + 1])
      leave(user)
    end
  end
end
local mine = redis.call('HLEN', KEYS[2])
if mine > 0 or ARGV[7] == '1' then
  redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1])
  if since ~= ran then redis.call('HSET', KEYS[6], ARGV[1], since) end
  -- The keys' TTL, renewed together: after a change (a key may be new), else once a lease.
  if #ARGV > 10 or redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) - leaseMs then
    for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6] }) do redis.call('PEXPIRE', key, ARGV[4]) end
  end
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[6], ARGV[1])
end
local reply = { mine }
if ARGV[8] ~= 'r' then return reply end
local clients = 0
for _, instance in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  clients = clients + redis.call('HLEN', ARGV[2] .. instance)
end
local limit = tonumber(ARGV[10])
local page = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. ARGV[9], '+inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
table.insert(reply, clients)
table.insert(reply, redis.call('ZCARD', KEYS[4]))
table.insert(reply, #page > limit * 2 and 1 or 0)
for i = 1, math.min(#page, limit * 2), 2 do
  table.insert(reply, page[i])
  table.insert(reply, page[i + 1])
  table.insert(reply, redis.call('HGET', KEYS[3], page[i]) or '0\\nnull')
end
return reply
`

/** One instance's call for one topic, before it becomes the script's arguments. */
export interface PresenceCall {
  keys: PresenceKeys
  instance: string
  leaseMs: number
  sharded: boolean
  /** False while the caller cannot judge who is gone (it is not connected to Redis). */
  maySweep: boolean
  /** True when the caller keeps its lease without clients here: it has watchers of the topic. */
  watching: boolean
  /** `['j', client, user, info, 'l', client, '', '', 'c', '', '', '', …]`, in order. */
  changes: string[]
  /** Present for a read: the page wanted. */
  read?: { after: string, limit: number }
}

// Keys outlive the lease: they go only when no instance renews them (all gone). An outage
// or a stall shorter than this finds them intact; after a longer one the live instances
// put their clients back (redis-presence.ts).
const KEY_TTL_LEASES = 4

/** The script's keys and arguments for `call`, in order. */
export function presenceArgs (call: PresenceCall): Array<string | number> {
  const { keys, instance, read } = call
  return [
    keys.instances, keys.clientsPrefix + instance, keys.users, keys.order, keys.channel, keys.runs,
    instance, keys.clientsPrefix, call.leaseMs, call.leaseMs * KEY_TTL_LEASES, call.sharded ? 'SPUBLISH' : 'PUBLISH',
    call.maySweep ? '1' : '', call.watching ? '1' : '', read === undefined ? 's' : 'r', read?.after ?? 0, read?.limit ?? 0,
    ...call.changes
  ]
}

/** How many of the caller's clients Redis holds on the topic: every reply begins with it. */
export function mineOf (reply: unknown[]): number {
  return Number(reply[0])
}

/** The page a read's reply holds. */
export function parsePresencePage (reply: unknown[]): PresencePage {
  const list: PresentUser[] = []
  let place = ''
  for (let i = 4; i < reply.length; i += 3) {
    place = String(reply[i + 1])
    const [clients, info] = splitEntry(String(reply[i + 2]))
    list.push({ id: String(reply[i]), info, clients })
  }
  return { clients: Number(reply[1]), users: Number(reply[2]), list, cursor: Number(reply[3]) === 1 ? place : null }
}

/** The change an announcement tells, or `undefined` for a message that is not one. */
export function parsePresenceAnnouncement (message: string): PresenceChange | undefined {
  if (!message.startsWith(PRESENCE_MARK)) return undefined
  const typeEnd = message.indexOf('\n', PRESENCE_MARK.length)
  const idEnd = message.indexOf('\n', typeEnd + 1)
  const type = message.slice(PRESENCE_MARK.length, typeEnd)
  if (idEnd < 0 || (type !== 'join' && type !== 'leave')) return undefined
  return { type, id: message.slice(typeEnd + 1, idEnd), info: parseInfo(message.slice(idEnd + 1)) }
}

function splitEntry (entry: string): [clients: number, info: unknown] {
  const cut = entry.indexOf('\n')
  return [Number(entry.slice(0, cut)), parseInfo(entry.slice(cut + 1))]
}

// Info was checked to be JSON before it was stored; anything else was not written by this
// package, and reads as no info rather than failing the read.
function parseInfo (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
