/**
 * Where a new follower starts: the topic's position at the moment its first local
 * subscriber joined. Every event acknowledged after that moment must reach the subscriber.
 *
 * Redis answers the read at once almost always, and then the last id it reports is the
 * position. But a read sent while Redis is stalled (SIGSTOP) or down (it waits for the
 * reconnect) is answered only once Redis runs again, after events that were published, and
 * acknowledged, after the join: the last id Redis then reports is too late. Such a read is
 * noticed by Redis's clock (it ran the read later than the join by more than a network
 * round trip), and the position is taken from the stream instead: the last event whose id,
 * which is Redis's clock when it was added, comes before the join.
 */
import type { RedisConnection } from './connection.js'
import { compareStreamIds } from './entries.js'
import type { TopicKeys } from './keys.js'

/** The name the script is registered under on the publishing and query connections. */
export const START_COMMAND = 'fastifyStreamStart'

// KEYS: stream, meta. ARGV[1]: '' to read the position now, or a floor id ('<ms>-0').
// Now: { epoch, last, TIME seconds, TIME microseconds }. With a floor: { epoch, the last id
// before the floor, how many entries the stream was ever given (XINFO's entries-added,
// Redis 7+), its length }; the last two only when no id before the floor remains, which is
// when trimming may have taken events after it. Missing values are false, which the reply
// turns into nulls.
export const START_SCRIPT = `
local meta = redis.call('HMGET', KEYS[2], 'epoch', 'last')
if ARGV[1] == '' then
  local now = redis.call('TIME')
  return { meta[1], meta[2], now[1], now[2] }
end
local before = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)[1]
if before then return { meta[1], before[1], false, 0 } end
if redis.call('EXISTS', KEYS[1]) == 0 then return { meta[1], false, false, 0 } end
local added = false
local info = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #info, 2 do
  if info[i] == 'entries-added' then added = info[i + 1] end
end
return { meta[1], false, added, redis.call('XLEN', KEYS[1]) }
`

// A read Redis ran later than this after the join was held up (a stall, an outage). A
// healthy read takes one network hop: 0.2 to 4 ms here on loopback under the test suite's
// load (p99), up to ~55 ms when the machine was starved, which the late path only makes
// slower, never wrong. Well under any outage a test or an operator would call one.
const LATE_MS = 20
// A clock sample is trusted this long: the two clocks may drift apart (NTP slews them by at
// most 0.5 ms a second), and a failover may bring another host's clock.
const SAMPLE_TTL_MS = 10_000
// Larger than any sequence number Redis gives: `<ms - 1>-MAX` precedes every id of `<ms>`.
const MAX_SEQ = '18446744073709551615'

/** Where a follower starts: the topic's epoch, and the id live delivery continues after. */
export interface FollowerStart {
  epoch: string | undefined
  /** `undefined`: the whole stream is news to the subscribers. */
  last: string | undefined
}

/**
 * The offset between Redis's clock and this process's monotonic clock, known from below:
 * Redis read its clock before its reply arrived, so `redis time − arrival time` never
 * exceeds the true offset, and the largest recent sample is the closest.
 */
export class RedisClock {
  private offset = -Infinity
  private sampledAt = -Infinity

  /**
   * Takes a sample: Redis's `TIME` (seconds and microseconds, as it replies) and when the
   * reply arrived here (`performance.now()`). Returns Redis's time in ms.
   */
  sample (seconds: unknown, micros: unknown, arrivedAt: number): number {
    const redisMs = Number(seconds) * 1000 + Number(micros) / 1000
    const offset = redisMs - arrivedAt
    if (offset > this.offset || arrivedAt - this.sampledAt > SAMPLE_TTL_MS) {
      this.offset = offset
      this.sampledAt = arrivedAt
    }
    return redisMs
  }

  /** Forgets every sample: the connection dropped, and the server may be another. */
  forget (): void {
    this.offset = -Infinity
  }

  /**
   * Redis's clock at `localMs` (this process's clock), rounded down to a millisecond: a
   * lower bound, which is what a start needs (events at or after it are delivered).
   */
  redisTimeAt (localMs: number): number {
    return Math.floor(localMs + this.offset)
  }
}

/** What {@link readStart} needs from the adapter. */
export interface StartReader {
  /** Publishes; a read on it is ordered before this process's later publishes. */
  publisher: RedisConnection
  /** Waits through outages. */
  query: RedisConnection
  clock: Pick<RedisClock, 'sample' | 'redisTimeAt'>
  /** The hub's history size, to tell a trimmed stream on Redis before 7. */
  historySize: number
}

type StartCommand = (stream: string, meta: string, floor: string) => Promise<Array<string | number | null>>

/**
 * Reads where a follower of `keys`, created at `joinedAt` (`performance.now()`), starts.
 * Never rejects: when Redis refuses the read (a key of the wrong type), the topic starts
 * from its stream's beginning, which the first repair reads.
 */
export async function readStart (reader: StartReader, keys: TopicKeys, joinedAt: number): Promise<FollowerStart> {
  try {
    const [epoch, last, seconds, micros] = await run(reader.publisher, keys, '').catch(() => run(reader.query, keys, ''))
    const clock = reader.clock
    const redisMs = clock.sample(seconds, micros, performance.now())
    const joinedMs = clock.redisTimeAt(joinedAt)
    if (redisMs - joinedMs <= LATE_MS) return startOf(epoch, last)
    // Late: every event added since the join has an id at or above joinedMs. When the last
    // one is older, nothing was, and the position is exact; else look for the last before.
    if (last == null || compareStreamIds(String(last), `${joinedMs}-0`) < 0) return startOf(epoch, last)
    return await startBefore(reader, keys, joinedMs)
  } catch {
    return { epoch: undefined, last: undefined }
  }
}

/**
 * The last event before `floorMs`. An event added in that same millisecond but before the
 * join is delivered too: ids cannot order events within a millisecond, and a subscriber
 * that gets an event from just before it joined has lost nothing.
 */
async function startBefore (reader: StartReader, keys: TopicKeys, floorMs: number): Promise<FollowerStart> {
  const floor = `${floorMs}-0`
  const [epoch, before, added, length] = await run(reader.query, keys, floor)
  if (before !== null) return startOf(epoch, before)
  // Trimming removes the oldest entries, and none from before the floor remains: whatever
  // it removed may have come after the join. Before Redis 7 only a full stream tells.
  const trimmed = added !== null ? Number(added) > Number(length) : Number(length) >= reader.historySize
  // Then start just before the floor, an id the stream does not hold, so the first
  // catch-up reports a reset and goes on with what remains.
  return startOf(epoch, trimmed ? `${floorMs - 1}-${MAX_SEQ}` : undefined)
}

function run (connection: RedisConnection, keys: TopicKeys, floor: string): Promise<Array<string | number | null>> {
  return (connection as unknown as Record<string, StartCommand>)[START_COMMAND]!(keys.stream, keys.meta, floor)
}

function startOf (epoch: string | number | null | undefined, last: string | number | null | undefined): FollowerStart {
  return { epoch: epoch == null ? undefined : String(epoch), last: last == null ? undefined : String(last) }
}
