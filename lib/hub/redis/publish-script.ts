/**
 * A publish is one server-side script, loaded once (ioredis sends EVALSHA, and EVAL only
 * when Redis answers NOSCRIPT), so it is atomic and one round trip: check the idempotency
 * key, append to the stream bounded by size, refresh the TTL of every key, and tell every
 * instance the new id together with the previous one, so a gap is visible to whoever
 * missed a message.
 */
import { errors } from '../../errors.js'
import type { HubMessage } from '../adapter.js'
import type { RedisConnection } from './connection.js'
import type { TopicKeys } from './keys.js'

/** The name the script is registered under on the publishing connection. */
export const PUBLISH_COMMAND = 'fastifyStreamPublish'

// KEYS: stream, meta, idempotency key, channel (declared so a Cluster can route and check it).
// ARGV: maxlen, ttl ms, epoch to use if the topic has none, idempotency flag, PUBLISH or
// SPUBLISH, then the payload kind ('s' string, 'j' JSON text), the payload, the event name
// as '' (none) or '=' followed by the name, and '1' when the caller waits for replicas: then
// a repeated idempotency key refreshes its TTL, a write that replicates after the first
// publish's, so the WAIT that follows also covers the event the key points to.
// Reply: { id, epoch, 'dup' | 'new' }.
// The notification is "epoch\nprevious id\nid\nkind\nevent\npayload": ids, epochs and event
// names hold no line break, so only the payload, last, may.
export const PUBLISH_SCRIPT = `
if ARGV[4] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    if ARGV[9] == '1' then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
    return { seen, '', 'dup' }
  end
end
local meta = redis.call('HMGET', KEYS[2], 'epoch', 'last')
local epoch = meta[1] or ARGV[3]
local previous = meta[2] or ''
local id
if ARGV[8] == '' then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[6], ARGV[7])
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[6], ARGV[7], 'e', string.sub(ARGV[8], 2))
end
redis.call('HSET', KEYS[2], 'epoch', epoch, 'last', id)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if ARGV[4] == '1' then redis.call('SET', KEYS[3], id, 'PX', ARGV[2]) end
redis.call(ARGV[5], KEYS[4], epoch .. '\\n' .. previous .. '\\n' .. id .. '\\n' .. ARGV[6] .. '\\n' .. ARGV[8] .. '\\n' .. ARGV[7])
return { id, epoch, 'new' }
`

/** What one publish notification says. */
export interface Notification {
  epoch: string
  /** The id of the topic's event before this one, `''` when this is the stream's first. */
  previous: string
  id: string
  /** The stream entry's fields, as an XRANGE would return them. */
  fields: string[]
}

/** The script's four keys and its arguments, in order. */
export function publishArgs (keys: TopicKeys, message: HubMessage, settings: { maxLength: number, ttlMs: number, epoch: string, sharded: boolean, durable: boolean }): Array<string | number> {
  const key = message.idempotencyKey
  const kind = typeof message.data === 'string' ? 's' : 'j'
  const payload = typeof message.data === 'string' ? message.data : message.text
  return [
    keys.stream, keys.meta, key === undefined ? keys.meta : keys.idempotency(key), keys.channel,
    settings.maxLength, settings.ttlMs, settings.epoch, key === undefined ? '0' : '1',
    settings.sharded ? 'SPUBLISH' : 'PUBLISH', kind, payload, message.event === undefined ? '' : '=' + message.event,
    settings.durable ? '1' : '0'
  ]
}

/** What a publish asks of the replicas: `WAIT count timeoutMs` after the write. */
export interface ReplicaWait {
  count: number
  timeoutMs: number
}

/** The script's reply: the id, the topic's epoch, and whether it was new or a repeated key. */
export type PublishReply = [id: string, epoch: string, outcome: 'new' | 'dup']

/**
 * Runs the publish script and `WAIT`s for `replicas` on the same connection: WAIT counts
 * the replicas that have every write this connection made, so it must follow the script
 * there (in a pipeline; on a Cluster, ioredis sends it to the node of the script's keys).
 * @throws the script's own error (a `ReplyError`: nothing was stored);
 *   FST_STREAM_HUB_OUTCOME_UNKNOWN when the write was stored but not confirmed by enough
 *   replicas in time.
 */
export async function publishAndWait (connection: RedisConnection, args: Array<string | number>, replicas: ReplicaWait): Promise<PublishReply> {
  // EVAL, not the EVALSHA of the defined command: after a NOSCRIPT, ioredis resends a
  // script outside the pipeline, after the WAIT, which would then not cover its write.
  // Redis caches the script by its hash, so it is compiled once either way.
  const results = await connection.pipeline()
    .call('EVAL', PUBLISH_SCRIPT, 4, ...args)
    .call('WAIT', replicas.count, replicas.timeoutMs)
    .exec() as [[Error | null, unknown], [Error | null, unknown]]
  const [[failed, reply], [waitFailed, confirmed]] = results
  if (failed !== null) throw failed
  if (waitFailed !== null) throw new errors.FST_STREAM_HUB_OUTCOME_UNKNOWN(`stored on the master, but WAIT failed: ${waitFailed.message}`, { cause: waitFailed })
  if (Number(confirmed) < replicas.count) {
    throw new errors.FST_STREAM_HUB_OUTCOME_UNKNOWN(`${confirmed} of ${replicas.count} replicas confirmed the write within ${replicas.timeoutMs} ms; it is stored on the master, but a failover may lose it`)
  }
  return reply as PublishReply
}

/** Parses a notification; `undefined` for a message this script did not write. */
export function parseNotification (message: string): Notification | undefined {
  const parts: string[] = []
  let from = 0
  for (let i = 0; i < 5; i++) {
    const end = message.indexOf('\n', from)
    if (end < 0) return undefined
    parts.push(message.slice(from, end))
    from = end + 1
  }
  const [epoch, previous, id, kind, event] = parts as [string, string, string, string, string]
  const fields = [kind, message.slice(from)]
  if (event !== '') fields.push('e', event.slice(1))
  return { epoch, previous, id, fields }
}
